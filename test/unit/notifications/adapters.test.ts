import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildRequest } from "../../../src/notifications/adapters";
import { pagerDutyDedupKey } from "../../../src/notifications/adapters/pagerduty";
import { slackEscape } from "../../../src/notifications/adapters/slack";
import { webhookSignature } from "../../../src/notifications/adapters/webhook";
import { PAGERDUTY_EVENTS_URL } from "../../../src/notifications/channel-config";
import { incidentType, type NotificationEvent } from "../../../src/notifications/message";

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);

function event(overrides: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    id: "ev-1",
    type: "rollout.failed",
    severity: "critical",
    projectId: "proj-1",
    projectSlug: "edge-eu",
    projectName: "Edge <EU>",
    resourceType: "rollout",
    resourceId: "ro-1",
    payload: { rollout_id: "ro-1", reason: "gate max_error_rate failed", nested: { a: 1 } },
    createdAt: NOW - 1000,
    ...overrides,
  };
}

const ctx = { deliveryId: "dl-1", now: NOW };

describe("generic webhook", () => {
  it("signs t.<body> with HMAC-SHA256 under the channel secret", async () => {
    const req = await buildRequest(
      { type: "webhook", url: "https://ops.example.com/hook", secret: "s3cret-s3cret-s3cret" },
      event(),
      ctx,
    );
    const t = Math.floor(NOW / 1000);
    const expected = createHmac("sha256", "s3cret-s3cret-s3cret")
      .update(`${t}.${req.body}`)
      .digest("hex");
    expect(req.url).toBe("https://ops.example.com/hook");
    expect(req.headers["x-zentinel-signature"]).toBe(`t=${t},v1=${expected}`);
    expect(req.headers["x-zentinel-timestamp"]).toBe(String(t));
    expect(req.headers["x-zentinel-event"]).toBe("rollout.failed");
    expect(req.headers["x-zentinel-delivery"]).toBe("dl-1");
    expect(JSON.parse(req.body)).toMatchObject({
      id: "ev-1",
      type: "rollout.failed",
      project: { id: "proj-1", slug: "edge-eu" },
      resource: { type: "rollout", id: "ro-1" },
      payload: { reason: "gate max_error_rate failed" },
      delivery_id: "dl-1",
    });
  });

  it("changes the signature when the body or the secret changes", async () => {
    const a = await webhookSignature("secret-a-secret-a", 100, "{}");
    expect(await webhookSignature("secret-b-secret-b", 100, "{}")).not.toBe(a);
    expect(await webhookSignature("secret-a-secret-a", 100, "{ }")).not.toBe(a);
    expect(await webhookSignature("secret-a-secret-a", 101, "{}")).not.toBe(a);
  });
});

describe("slack", () => {
  it("sends Block Kit with a header, escaped fields and a fallback text", async () => {
    const req = await buildRequest(
      { type: "slack", url: "https://hooks.slack.com/services/T/B/X" },
      event(),
      ctx,
    );
    const body = JSON.parse(req.body);
    expect(body.text).toContain("rollout.failed in Edge <EU>");
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual([
      "header",
      "section",
      "context",
    ]);
    const fields = body.blocks[1].fields.map((f: { text: string }) => f.text);
    expect(fields).toContain("*reason*\ngate max_error_rate failed");
    expect(fields).toContain('*nested*\n{"a":1}');
    expect(slackEscape("<a & b>")).toBe("&lt;a &amp; b&gt;");
  });
});

describe("teams", () => {
  it("sends an Adaptive Card message by default format", async () => {
    const req = await buildRequest(
      { type: "teams", url: "https://x.webhook.office.com/w", format: "adaptive_card" },
      event(),
      ctx,
    );
    const body = JSON.parse(req.body);
    expect(body.type).toBe("message");
    const card = body.attachments[0];
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.content.type).toBe("AdaptiveCard");
    expect(card.content.body[0].color).toBe("Attention");
    expect(card.content.body[1].facts).toContainEqual({ title: "Project", value: "edge-eu" });
  });

  it("sends a MessageCard when configured", async () => {
    const req = await buildRequest(
      { type: "teams", url: "https://x.webhook.office.com/w", format: "message_card" },
      event({ severity: "warning" }),
      ctx,
    );
    const body = JSON.parse(req.body);
    expect(body["@type"]).toBe("MessageCard");
    expect(body.themeColor).toBe("FFA500");
    expect(body.sections[0].facts).toContainEqual({ name: "Severity", value: "warning" });
  });
});

describe("pagerduty", () => {
  it("triggers with the dedup key zentinel-<type>-<project> on the region's endpoint", async () => {
    const req = await buildRequest(
      { type: "pagerduty", routingKey: "R0123456789ABCDEF0123456789ABCDE", region: "eu" },
      event(),
      ctx,
    );
    expect(req.url).toBe(PAGERDUTY_EVENTS_URL.eu);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      routing_key: "R0123456789ABCDEF0123456789ABCDE",
      event_action: "trigger",
      dedup_key: "zentinel-rollout.failed-proj-1",
      payload: { severity: "critical", source: "zentinel-control-plane/edge-eu" },
    });
  });

  it("resolves on *.resolved and *.completed with the key of the event that opened it", async () => {
    const req = await buildRequest(
      { type: "pagerduty", routingKey: "R0123456789ABCDEF0123456789ABCDE", region: "us" },
      event({ type: "drift.resolved", severity: "info" }),
      ctx,
    );
    expect(req.url).toBe(PAGERDUTY_EVENTS_URL.us);
    expect(JSON.parse(req.body)).toEqual({
      routing_key: "R0123456789ABCDEF0123456789ABCDE",
      event_action: "resolve",
      dedup_key: pagerDutyDedupKey({ type: "drift.detected", projectId: "proj-1" }),
    });
    expect(incidentType("rollout.completed")).toBe("rollout.started");
    expect(incidentType("rollout.failed")).toBe("rollout.failed");
  });
});
