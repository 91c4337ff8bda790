import type { ChannelConfig } from "../channel-config";
import { eventFacts, summaryLine } from "../message";
import { type Adapter, BASE_HEADERS } from "./types";

/** Slack's limit on header block text. */
const HEADER_MAX_CHARS = 150;

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const SEVERITY_MARK = { info: "ℹ️", warning: "⚠️", critical: "🚨" } as const;

/** Slack incoming webhook with Block Kit: header, a fields section, a context line. */
export const buildSlackRequest: Adapter<Extract<ChannelConfig, { type: "slack" }>> = async (
  config,
  event,
) => {
  const title = `${SEVERITY_MARK[event.severity]} ${summaryLine(event)}`;
  const body = {
    text: title,
    blocks: [
      {
        type: "header",
        text: { type: "plain_text", text: title.slice(0, HEADER_MAX_CHARS), emoji: true },
      },
      {
        type: "section",
        fields: eventFacts(event).map((f) => ({
          type: "mrkdwn",
          text: `*${slackEscape(f.name)}*\n${slackEscape(f.value)}`,
        })),
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `Zentinel Control Plane · event ${event.id}` }],
      },
    ],
  };
  return { url: config.url, headers: { ...BASE_HEADERS }, body: JSON.stringify(body) };
};
