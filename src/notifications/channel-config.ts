/**
 * Channel configuration as stored (sealed) in `notification_channels.config_enc`, and the
 * redacted view the API shows. Pure.
 */

/** Channel types. */
export const CHANNEL_TYPES = ["webhook", "slack", "teams", "pagerduty"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Teams payload flavours: Adaptive Card (Workflows webhooks) or the legacy MessageCard. */
export const TEAMS_FORMATS = ["adaptive_card", "message_card"] as const;
export type TeamsFormat = (typeof TEAMS_FORMATS)[number];

/** PagerDuty service regions (each has its own Events API host). */
export const PAGERDUTY_REGIONS = ["us", "eu"] as const;
export type PagerDutyRegion = (typeof PAGERDUTY_REGIONS)[number];

/** The decrypted configuration of one channel; every secret lives here, never in a column. */
export type ChannelConfig =
  | { type: "webhook"; url: string; secret: string }
  | { type: "slack"; url: string }
  | { type: "teams"; url: string; format: TeamsFormat }
  | { type: "pagerduty"; routingKey: string; region: PagerDutyRegion };

/** Events API v2 endpoint per region. */
export const PAGERDUTY_EVENTS_URL: Record<PagerDutyRegion, string> = {
  us: "https://events.pagerduty.com/v2/enqueue",
  eu: "https://events.eu.pagerduty.com/v2/enqueue",
};

/** Where a channel sends its requests. */
export function channelUrl(config: ChannelConfig): string {
  return config.type === "pagerduty" ? PAGERDUTY_EVENTS_URL[config.region] : config.url;
}

/**
 * A URL reduced to what is safe to show: scheme, host and port. Webhook paths and queries often
 * carry the credential (Slack and Teams URLs are bearer secrets), so they are elided.
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return url.pathname === "/" && url.search === "" ? url.origin : `${url.origin}/…`;
  } catch {
    return "(invalid URL)";
  }
}

/** The configuration as the API shows it: no secret, only enough to recognise the target. */
export function redactConfig(config: ChannelConfig): Record<string, string> {
  switch (config.type) {
    case "webhook":
      return { url: redactUrl(config.url), secret: "(set)" };
    case "slack":
      return { url: redactUrl(config.url) };
    case "teams":
      return { url: redactUrl(config.url), format: config.format };
    case "pagerduty":
      return { routing_key: `…${config.routingKey.slice(-4)}`, region: config.region };
  }
}

/** Parses the decrypted JSON back into a config; throws on anything that is not one. */
export function parseChannelConfig(json: string): ChannelConfig {
  const value: unknown = JSON.parse(json);
  if (typeof value !== "object" || value === null) {
    throw new Error("channel config is not an object");
  }
  const v = value as Record<string, unknown>;
  const str = (key: string): string => {
    const field = v[key];
    if (typeof field !== "string") {
      throw new Error(`channel config field ${key} is missing`);
    }
    return field;
  };
  switch (v.type) {
    case "webhook":
      return { type: "webhook", url: str("url"), secret: str("secret") };
    case "slack":
      return { type: "slack", url: str("url") };
    case "teams": {
      const format = str("format");
      if (!(TEAMS_FORMATS as readonly string[]).includes(format)) {
        throw new Error(`unknown teams format ${format}`);
      }
      return { type: "teams", url: str("url"), format: format as TeamsFormat };
    }
    case "pagerduty": {
      const region = str("region");
      if (!(PAGERDUTY_REGIONS as readonly string[]).includes(region)) {
        throw new Error(`unknown pagerduty region ${region}`);
      }
      return {
        type: "pagerduty",
        routingKey: str("routingKey"),
        region: region as PagerDutyRegion,
      };
    }
    default:
      throw new Error(`unknown channel type ${String(v.type)}`);
  }
}
