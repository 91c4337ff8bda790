import { describe, expect, it } from "vitest";
import {
  type ChannelConfig,
  parseChannelConfig,
  redactConfig,
  redactUrl,
} from "../../../src/notifications/channel-config";

describe("channel config", () => {
  it("round-trips every type through JSON", () => {
    const configs: ChannelConfig[] = [
      { type: "webhook", url: "https://a.example/h", secret: "0123456789abcdef" },
      { type: "slack", url: "https://hooks.slack.com/services/T/B/X" },
      { type: "teams", url: "https://t.example/w", format: "message_card" },
      { type: "pagerduty", routingKey: "R0123456789ABCDEF0123456789ABCDE", region: "eu" },
    ];
    for (const c of configs) {
      expect(parseChannelConfig(JSON.stringify(c))).toEqual(c);
    }
  });

  it("refuses malformed configs", () => {
    expect(() => parseChannelConfig('{"type":"slack"}')).toThrow(/url/);
    expect(() => parseChannelConfig('{"type":"smtp","url":"x"}')).toThrow(/unknown/);
    expect(() => parseChannelConfig('{"type":"teams","url":"x","format":"html"}')).toThrow();
    expect(() => parseChannelConfig("null")).toThrow();
  });

  it("shows no secret: URL paths, signing secrets and most of the routing key are elided", () => {
    expect(redactUrl("https://hooks.slack.com/services/T/B/XSECRET")).toBe(
      "https://hooks.slack.com/…",
    );
    expect(redactUrl("https://a.example")).toBe("https://a.example");
    const shown = JSON.stringify([
      redactConfig({
        type: "webhook",
        url: "https://a.example/h?token=SECRET",
        secret: "SECRET-SECRET",
      }),
      redactConfig({ type: "pagerduty", routingKey: "SECRETSECRETSECRETwxyz", region: "us" }),
    ]);
    expect(shown).not.toContain("SECRET");
    expect(shown).toContain("…wxyz");
  });
});
