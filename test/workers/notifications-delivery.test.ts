import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hmacSha256Hex } from "../../src/auth/crypto";
import { handleNotifyDeadLetters } from "../../src/jobs/notify";
import { BASE_RETRY_DELAY_S } from "../../src/notifications/backoff";
import { RESPONSE_LOG_MAX_BYTES } from "../../src/notifications/deliver";
import { createServices } from "../../src/services";
import { call, createTenant } from "./harness";
import {
  deliveryRow,
  fakeEndpoint,
  insertChannel,
  insertDelivery,
  insertEvent,
  runNotify,
} from "./notify-helpers";

const WEBHOOK = {
  type: "webhook",
  url: "https://ops.example.com/hook",
  secret: "s3cret-s3cret-s3cret",
} as const;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("notification delivery: happy path", () => {
  it("delivers a signed webhook and logs the attempt", async () => {
    const t = await createTenant();
    const channel = await insertChannel(t.projectId, WEBHOOK);
    const event = await insertEvent(t.projectId, "drift.detected", { node_id: "n1" });
    const delivery = await insertDelivery(t.projectId, channel, event);
    const endpoint = fakeEndpoint(200, "thanks");

    const result = await runNotify(delivery, endpoint.fetch);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);

    const row = await deliveryRow(delivery);
    expect(row).toMatchObject({ status: "delivered", attempts: 1, next_attempt_at: null });
    expect(row.log).toEqual([
      expect.objectContaining({
        attempt: 1,
        status_code: 200,
        response: "thanks",
        outcome: "delivered",
      }),
    ]);

    const [request] = endpoint.requests;
    expect(request?.url).toBe(WEBHOOK.url);
    const body = (await request?.text()) ?? "";
    const t0 = request?.headers.get("x-zentinel-timestamp");
    expect(request?.headers.get("x-zentinel-signature")).toBe(
      `t=${t0},v1=${await hmacSha256Hex(WEBHOOK.secret, `${t0}.${body}`)}`,
    );
    expect(JSON.parse(body)).toMatchObject({
      id: event,
      type: "drift.detected",
      project: { id: t.projectId, slug: t.slug },
      payload: { node_id: "n1" },
      delivery_id: delivery,
    });

    // A redelivered message for a finished delivery is acknowledged without another request.
    const again = await runNotify(delivery, endpoint.fetch, 2);
    expect(again.explicitAcks).toHaveLength(1);
    expect(endpoint.requests).toHaveLength(1);
  });

  it("delivers through every adapter at the fetch boundary: Slack, Teams, PagerDuty", async () => {
    const t = await createTenant();
    const channels = {
      slack: await insertChannel(t.projectId, {
        type: "slack",
        url: "https://hooks.slack.com/services/T/B/X",
      }),
      teams: await insertChannel(t.projectId, {
        type: "teams",
        url: "https://example.webhook.office.com/workflows/1",
        format: "adaptive_card",
      }),
      pagerduty: await insertChannel(t.projectId, {
        type: "pagerduty",
        routingKey: "R0123456789ABCDEF0123456789ABCDE",
        region: "us",
      }),
    };
    const event = await insertEvent(t.projectId, "drift.resolved", { node_id: "n1" });
    const endpoint = fakeEndpoint(202, '{"status":"success"}');
    for (const channel of Object.values(channels)) {
      const delivery = await insertDelivery(t.projectId, channel, event);
      await runNotify(delivery, endpoint.fetch);
      expect((await deliveryRow(delivery)).status).toBe("delivered");
    }
    const [slack, teams, pagerduty] = await Promise.all(
      endpoint.requests.map(async (r) => ({ url: r.url, body: JSON.parse(await r.text()) })),
    );
    expect(slack?.url).toBe("https://hooks.slack.com/services/T/B/X");
    expect(slack?.body.blocks[0].text.text).toContain("drift.resolved");
    expect(teams?.body.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(pagerduty).toEqual({
      url: "https://events.pagerduty.com/v2/enqueue",
      body: {
        routing_key: "R0123456789ABCDEF0123456789ABCDE",
        event_action: "resolve",
        dedup_key: `zentinel-drift.detected-${t.projectId}`,
      },
    });
  });

  it("fans out written events to matching channels through the real queue", async () => {
    const t = await createTenant();
    const received: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      received.push(new Request(input).url);
      return new Response("ok");
    });
    const slack = await insertChannel(t.projectId, {
      type: "slack",
      url: "https://hooks.slack.com/services/T/B/X",
    });
    const disabled = await insertChannel(
      t.projectId,
      { type: "slack", url: "https://hooks.slack.com/services/T/B/OFF" },
      { enabled: false },
    );
    for (const [channel, pattern] of [
      [slack, "drift.*"],
      [slack, "*"],
      [disabled, "*"],
    ] as const) {
      const res = await call("POST", `/api/v1/projects/${t.slug}/notification-rules`, {
        key: t.adminKey,
        body: { channel_id: channel, event_pattern: pattern },
      });
      expect(res.status, res.text).toBe(201);
    }
    const services = createServices(env, { waitUntil: () => undefined }, "test");
    await services.audit.emit([
      { projectId: t.projectId, type: "drift.detected", payload: { node_id: "n1" } },
    ]);

    const rows = await env.DB.prepare(
      "SELECT channel_id FROM notification_deliveries WHERE project_id = ?",
    )
      .bind(t.projectId)
      .all<{ channel_id: string }>();
    expect(rows.results.map((r) => r.channel_id)).toEqual([slack]);
    await expect
      .poll(
        async () =>
          (
            await call("GET", `/api/v1/projects/${t.slug}/notification-deliveries`, {
              key: t.adminKey,
            })
          ).body.items[0]?.status,
        { timeout: 10_000, interval: 200 },
      )
      .toBe("delivered");
    expect(received).toEqual(["https://hooks.slack.com/services/T/B/X"]);
    const listed = await call("GET", `/api/v1/projects/${t.slug}/notification-deliveries`, {
      key: t.adminKey,
    });
    expect(listed.body.items[0]).toMatchObject({
      channel_id: slack,
      event_type: "drift.detected",
      attempts: 1,
      log: [expect.objectContaining({ status_code: 200 })],
    });
  });
});

describe("notification delivery: failures", () => {
  it("retries a failing webhook with backoff and dead-letters it after max_attempts, logging every attempt", async () => {
    const t = await createTenant();
    const channel = await insertChannel(t.projectId, WEBHOOK, { maxAttempts: 3 });
    const delivery = await insertDelivery(
      t.projectId,
      channel,
      await insertEvent(t.projectId, "rollout.failed"),
    );
    const endpoint = fakeEndpoint(503, "x".repeat(RESPONSE_LOG_MAX_BYTES * 3));

    // The message is re-queued with the backoff delay, which the row records as well.
    const first = await runNotify(delivery, endpoint.fetch, 1);
    expect(first.retryMessages).toHaveLength(1);
    const afterFirst = await deliveryRow(delivery);
    expect(afterFirst).toMatchObject({ status: "retrying", attempts: 1 });
    expect(afterFirst.log[0]?.reason).toBe(`next attempt in ${BASE_RETRY_DELAY_S} s`);
    expect(afterFirst.next_attempt_at).toBeGreaterThan(
      Date.now() + (BASE_RETRY_DELAY_S - 5) * 1000,
    );

    const second = await runNotify(delivery, endpoint.fetch, 2);
    expect(second.retryMessages).toHaveLength(1);
    expect((await deliveryRow(delivery)).log[1]?.reason).toBe(
      `next attempt in ${BASE_RETRY_DELAY_S * 2} s`,
    );

    const third = await runNotify(delivery, endpoint.fetch, 3);
    expect(third.retryMessages).toEqual([]);
    expect(third.explicitAcks).toHaveLength(1);

    const row = await deliveryRow(delivery);
    expect(row).toMatchObject({ status: "dead_letter", attempts: 3, next_attempt_at: null });
    expect(row.log.map((e) => [e.attempt, e.status_code, e.outcome])).toEqual([
      [1, 503, "retry"],
      [2, 503, "retry"],
      [3, 503, "dead_letter"],
    ]);
    for (const entry of row.log) {
      expect(String(entry.response).length).toBe(RESPONSE_LOG_MAX_BYTES);
    }
    expect(endpoint.requests).toHaveLength(3);

    // Dead letters are final: another message sends nothing and logs nothing.
    await runNotify(delivery, endpoint.fetch, 4);
    expect(endpoint.requests).toHaveLength(3);
    expect((await deliveryRow(delivery)).log).toHaveLength(3);
  });

  it("retries network errors and honours Retry-After on 429", async () => {
    const t = await createTenant();
    const channel = await insertChannel(t.projectId, WEBHOOK);
    const delivery = await insertDelivery(
      t.projectId,
      channel,
      await insertEvent(t.projectId, "x.y"),
    );
    const down = await runNotify(delivery, async () => {
      throw new TypeError("connection refused");
    });
    expect(down.retryMessages).toHaveLength(1);
    expect((await deliveryRow(delivery)).log[0]).toMatchObject({
      attempt: 1,
      error: "TypeError: connection refused",
      outcome: "retry",
    });
    const limited = await runNotify(
      delivery,
      async () => new Response("slow down", { status: 429, headers: { "retry-after": "900" } }),
      2,
    );
    expect(limited.retryMessages).toHaveLength(1);
    expect((await deliveryRow(delivery)).log[1]).toMatchObject({
      status_code: 429,
      reason: "next attempt in 900 s",
    });
  });

  it("dead-letters at once on a permanent 4xx and on a redirect", async () => {
    const t = await createTenant();
    const channel = await insertChannel(t.projectId, WEBHOOK);
    const gone = await insertDelivery(t.projectId, channel, await insertEvent(t.projectId, "a.b"));
    await runNotify(gone, fakeEndpoint(404, "no such hook").fetch);
    expect(await deliveryRow(gone)).toMatchObject({
      status: "dead_letter",
      attempts: 1,
      log: [expect.objectContaining({ status_code: 404, reason: "HTTP 404" })],
    });
    const moved = await insertDelivery(t.projectId, channel, await insertEvent(t.projectId, "a.b"));
    await runNotify(moved, fakeEndpoint(302).fetch);
    expect((await deliveryRow(moved)).status).toBe("dead_letter");
  });

  it("dead-letters deliveries of deleted or disabled channels without sending", async () => {
    const t = await createTenant();
    const endpoint = fakeEndpoint(200);
    const disabled = await insertChannel(t.projectId, WEBHOOK, { enabled: false });
    const d1 = await insertDelivery(t.projectId, disabled, await insertEvent(t.projectId, "a.b"));
    await runNotify(d1, endpoint.fetch);
    expect((await deliveryRow(d1)).log[0]).toMatchObject({ reason: "channel is disabled" });

    const deleted = await insertChannel(t.projectId, WEBHOOK);
    const d2 = await insertDelivery(t.projectId, deleted, await insertEvent(t.projectId, "a.b"));
    const res = await call(
      "DELETE",
      `/api/v1/projects/${t.slug}/notification-channels/${deleted}`,
      { key: t.adminKey },
    );
    expect(res.status).toBe(204);
    await runNotify(d2, endpoint.fetch);
    expect(await deliveryRow(d2)).toMatchObject({
      status: "dead_letter",
      log: [expect.objectContaining({ reason: "channel was deleted" })],
    });
    expect(endpoint.requests).toHaveLength(0);
  });

  it("acknowledges malformed messages and unknown deliveries", async () => {
    const endpoint = fakeEndpoint(200);
    const unknown = await runNotify(crypto.randomUUID(), endpoint.fetch);
    expect(unknown.explicitAcks).toHaveLength(1);
    const batch = createMessageBatch("zentinel-cp-notify", [
      { id: "m1", timestamp: Date.now(), attempts: 1, body: { nope: true } },
    ]);
    const ctx = createExecutionContext();
    const { createNotifyHandler } = await import("../../src/jobs/notify");
    await createNotifyHandler({ fetch: endpoint.fetch, random: () => 0 })(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["m1"]);
    expect(endpoint.requests).toHaveLength(0);
  });

  it("marks what the queue gave up on as dead_letter (dead-letter queue consumer)", async () => {
    const t = await createTenant();
    const channel = await insertChannel(t.projectId, WEBHOOK);
    const delivery = await insertDelivery(
      t.projectId,
      channel,
      await insertEvent(t.projectId, "a.b"),
    );
    const batch = createMessageBatch("zentinel-cp-notify-dlq", [
      { id: "m1", timestamp: Date.now(), attempts: 11, body: { deliveryId: delivery } },
    ]);
    const ctx = createExecutionContext();
    await handleNotifyDeadLetters(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    expect(await deliveryRow(delivery)).toMatchObject({
      status: "dead_letter",
      log: [expect.objectContaining({ error: "the queue gave up after 11 deliveries" })],
    });
  });
});

describe("notification delivery: security", () => {
  it("refuses at send time a stored URL the SSRF policy forbids", async () => {
    const t = await createTenant();
    const endpoint = fakeEndpoint(200);
    const channel = await insertChannel(t.projectId, {
      type: "webhook",
      url: "https://169.254.169.254/latest/meta-data",
      secret: "s3cret-s3cret-s3cret",
    });
    const delivery = await insertDelivery(
      t.projectId,
      channel,
      await insertEvent(t.projectId, "a.b"),
    );
    await runNotify(delivery, endpoint.fetch);
    expect(endpoint.requests).toHaveLength(0);
    expect((await deliveryRow(delivery)).log[0]?.reason).toMatch(/channel URL refused/);
  });

  it("delivers to loopback only with the development flag set", async () => {
    const t = await createTenant();
    const channel = await insertChannel(t.projectId, {
      type: "webhook",
      url: "http://127.0.0.1:9000/hook",
      secret: "s3cret-s3cret-s3cret",
    });
    const blocked = await insertDelivery(
      t.projectId,
      channel,
      await insertEvent(t.projectId, "a.b"),
    );
    const endpoint = fakeEndpoint(200);
    await runNotify(blocked, endpoint.fetch);
    expect((await deliveryRow(blocked)).status).toBe("dead_letter");
    const allowed = await insertDelivery(
      t.projectId,
      channel,
      await insertEvent(t.projectId, "a.b"),
    );
    await runNotify(allowed, endpoint.fetch, 1, { NOTIFY_ALLOW_LOCAL_URLS: "true" });
    expect((await deliveryRow(allowed)).status).toBe("delivered");
    expect(endpoint.requests.map((r) => r.url)).toEqual(["http://127.0.0.1:9000/hook"]);
  });

  it("dead-letters a channel whose sealed config was moved from another channel", async () => {
    const t = await createTenant();
    const endpoint = fakeEndpoint(200);
    const a = await insertChannel(t.projectId, WEBHOOK);
    const b = await insertChannel(t.projectId, { type: "slack", url: "https://hooks.slack.com/x" });
    await env.DB.prepare(
      "UPDATE notification_channels SET config_enc = (SELECT config_enc FROM notification_channels WHERE id = ?) WHERE id = ?",
    )
      .bind(a, b)
      .run();
    const delivery = await insertDelivery(t.projectId, b, await insertEvent(t.projectId, "a.b"));
    await runNotify(delivery, endpoint.fetch);
    expect(endpoint.requests).toHaveLength(0);
    expect((await deliveryRow(delivery)).log[0]?.reason).toMatch(/cannot be opened/);
  });
});
