import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openChannelConfig } from "../../src/notifications/sealed";
import { call, createApiKey, createTenant, expectEnvelope, keyForRole } from "./harness";

const SLACK_URL = "https://hooks.slack.com/services/T000/B000/SECRETPATH";

const channels = (slug: string) => `/api/v1/projects/${slug}/notification-channels`;
const rules = (slug: string) => `/api/v1/projects/${slug}/notification-rules`;

async function createSlack(t: { slug: string; adminKey: string }) {
  const res = await call("POST", channels(t.slug), {
    key: t.adminKey,
    body: { name: "ops", type: "slack", url: SLACK_URL },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

describe("notification channels: happy path", () => {
  it("creates, lists, shows and deletes a channel with its config sealed and redacted", async () => {
    const t = await createTenant();
    const created = await call("POST", channels(t.slug), {
      key: t.adminKey,
      body: { name: "ops", type: "slack", url: SLACK_URL, max_attempts: 5 },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      name: "ops",
      type: "slack",
      enabled: true,
      max_attempts: 5,
      config: { url: "https://hooks.slack.com/…" },
    });
    expect(created.body.secret).toBeUndefined();
    const id: string = created.body.id;

    const row = await env.DB.prepare("SELECT config_enc FROM notification_channels WHERE id = ?")
      .bind(id)
      .first<{ config_enc: string }>();
    expect(row?.config_enc).not.toContain("SECRETPATH");
    expect(await openChannelConfig(env.ZCP_MASTER_KEY ?? "", id, row?.config_enc ?? "")).toEqual({
      type: "slack",
      url: SLACK_URL,
    });

    const listed = await call("GET", channels(t.slug), { key: t.adminKey });
    expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    const shown = await call("GET", `${channels(t.slug)}/${id}`, { key: t.adminKey });
    expect(shown.body).toEqual(created.body);
    expect(listed.text + shown.text).not.toContain("SECRETPATH");

    expect((await call("DELETE", `${channels(t.slug)}/${id}`, { key: t.adminKey })).status).toBe(
      204,
    );
    expectEnvelope(
      await call("GET", `${channels(t.slug)}/${id}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs`, { key: t.adminKey });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      "notification_channel.deleted",
      "notification_channel.created",
    ]);
    expect(audit.text).not.toContain("SECRETPATH");
  });

  it("generates a webhook signing secret and shows it only once", async () => {
    const t = await createTenant();
    const created = await call("POST", channels(t.slug), {
      key: t.adminKey,
      body: { name: "hook", type: "webhook", url: "https://ops.example.com/hook" },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const shown = await call("GET", `${channels(t.slug)}/${created.body.id}`, {
      key: t.adminKey,
    });
    expect(shown.body.config).toEqual({ url: "https://ops.example.com/…", secret: "(set)" });
    expect(shown.text).not.toContain(created.body.secret);
  });

  it("accepts teams and pagerduty channels with their defaults", async () => {
    const t = await createTenant();
    const teams = await call("POST", channels(t.slug), {
      key: t.adminKey,
      body: { name: "teams", type: "teams", url: "https://x.webhook.office.com/w/1" },
    });
    expect(teams.body.config).toMatchObject({ format: "adaptive_card" });
    const pd = await call("POST", channels(t.slug), {
      key: t.adminKey,
      body: { name: "pd", type: "pagerduty", routing_key: "R0123456789ABCDEF0123456789ABCDE" },
    });
    expect(pd.status, pd.text).toBe(201);
    expect(pd.body.config).toEqual({ routing_key: "…BCDE", region: "us" });
  });

  it("creates, filters and deletes rules; deleting a channel deletes its rules", async () => {
    const t = await createTenant();
    const a = await createSlack(t);
    const b = await createSlack(t);
    for (const [channel, pattern] of [
      [a.id, "rollout.*"],
      [a.id, "drift.detected"],
      [b.id, "*"],
    ] as const) {
      const res = await call("POST", rules(t.slug), {
        key: t.adminKey,
        body: { channel_id: channel, event_pattern: pattern },
      });
      expect(res.status, res.text).toBe(201);
      expect(res.body).toMatchObject({ channel_id: channel, event_pattern: pattern });
    }
    const onlyA = await call("GET", `${rules(t.slug)}?channel_id=${a.id}`, { key: t.adminKey });
    expect(onlyA.body.items.map((r: { event_pattern: string }) => r.event_pattern).sort()).toEqual([
      "drift.detected",
      "rollout.*",
    ]);
    const ruleId: string = onlyA.body.items[0].id;
    expect((await call("DELETE", `${rules(t.slug)}/${ruleId}`, { key: t.adminKey })).status).toBe(
      204,
    );
    await call("DELETE", `${channels(t.slug)}/${b.id}`, { key: t.adminKey });
    const left = await call("GET", rules(t.slug), { key: t.adminKey });
    expect(left.body.items).toHaveLength(1);
    expect(left.body.items[0].channel_id).toBe(a.id);
  });
});

describe("notification channels: errors", () => {
  it("lists every schema problem in one 400 and stores nothing", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("POST", channels(t.slug), {
        key: t.adminKey,
        body: { name: "", type: "webhook", url: "http://ops.example.com", max_attempts: 99 },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["max_attempts", "name", "url"]);
    expectEnvelope(
      await call("POST", channels(t.slug), {
        key: t.adminKey,
        body: { name: "pd", type: "pagerduty", routing_key: "short" },
      }),
      400,
      "BAD_REQUEST",
    );
    expectEnvelope(
      await call("POST", channels(t.slug), { key: t.adminKey, body: { name: "x", type: "email" } }),
      400,
      "BAD_REQUEST",
    );
    expectEnvelope(
      await call("POST", channels(t.slug), { key: t.adminKey, rawBody: "{nope" }),
      400,
      "BAD_REQUEST",
    );
    const count = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM notification_channels WHERE project_id = ?",
    )
      .bind(t.projectId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("rejects bad patterns, unknown channels and duplicate rules", async () => {
    const t = await createTenant();
    const channel = await createSlack(t);
    const bad = expectEnvelope(
      await call("POST", rules(t.slug), {
        key: t.adminKey,
        body: { channel_id: "nope", event_pattern: "*.failed" },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(bad.details?.map((d) => d.path).sort()).toEqual(["channel_id", "event_pattern"]);
    const unknown = expectEnvelope(
      await call("POST", rules(t.slug), {
        key: t.adminKey,
        body: { channel_id: crypto.randomUUID(), event_pattern: "*" },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(unknown.details?.[0]?.path).toBe("channel_id");
    const body = { channel_id: channel.id, event_pattern: "rollout.*" };
    expect((await call("POST", rules(t.slug), { key: t.adminKey, body })).status).toBe(201);
    expectEnvelope(await call("POST", rules(t.slug), { key: t.adminKey, body }), 409, "CONFLICT");
  });

  it("404s unknown channels and rules, and rejects bad cursors and filters", async () => {
    const t = await createTenant();
    const id = crypto.randomUUID();
    for (const [method, path] of [
      ["GET", `${channels(t.slug)}/${id}`],
      ["DELETE", `${channels(t.slug)}/${id}`],
      ["DELETE", `${rules(t.slug)}/${id}`],
    ] as const) {
      expectEnvelope(await call(method, path, { key: t.adminKey }), 404, "NOT_FOUND");
    }
    expectEnvelope(
      await call("GET", `${channels(t.slug)}?cursor=garbage`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/notification-deliveries?status=lost`, {
        key: t.adminKey,
      }),
      400,
      "BAD_REQUEST",
    );
  });
});

describe("notification channels: security", () => {
  it("refuses URLs aimed at loopback, private or metadata addresses (SSRF)", async () => {
    const t = await createTenant();
    for (const url of [
      "https://127.0.0.1/hook",
      "https://localhost/hook",
      "https://10.0.0.8/hook",
      "https://169.254.169.254/latest",
      "https://[::1]/hook",
      "https://[::ffff:192.168.0.1]/hook",
      "http://127.0.0.1:9000/hook",
    ]) {
      const err = expectEnvelope(
        await call("POST", channels(t.slug), {
          key: t.adminKey,
          body: { name: "x", type: "webhook", url },
        }),
        400,
        "BAD_REQUEST",
      );
      expect(err.details?.[0]?.path, url).toBe("url");
    }
  });

  it("needs projects:write to change and projects:read to read", async () => {
    const t = await createTenant();
    const reader = await keyForRole(t.orgId, "reader");
    const operator = await keyForRole(t.orgId, "operator");
    const channel = await createSlack(t);
    for (const key of [reader, operator]) {
      expectEnvelope(
        await call("POST", channels(t.slug), {
          key,
          body: { name: "x", type: "slack", url: SLACK_URL },
        }),
        403,
        "FORBIDDEN",
      );
      expectEnvelope(
        await call("DELETE", `${channels(t.slug)}/${channel.id}`, { key }),
        403,
        "FORBIDDEN",
      );
    }
    expect((await call("GET", channels(t.slug), { key: reader })).status).toBe(200);
    const noRead = await createApiKey({ orgId: t.orgId, scopes: ["nodes:read"] });
    expectEnvelope(await call("GET", channels(t.slug), { key: noRead }), 403, "FORBIDDEN");
    expectEnvelope(await call("GET", channels(t.slug)), 401, "UNAUTHORIZED");
  });

  it("hides another tenant's channels, rules and deliveries (404), even by id", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const channel = await createSlack(b);
    expectEnvelope(await call("GET", channels(b.slug), { key: a.adminKey }), 404, "NOT_FOUND");
    // a's own project, b's channel id: not found, and b's channel survives.
    expectEnvelope(
      await call("DELETE", `${channels(a.slug)}/${channel.id}`, { key: a.adminKey }),
      404,
      "NOT_FOUND",
    );
    const rule = expectEnvelope(
      await call("POST", rules(a.slug), {
        key: a.adminKey,
        body: { channel_id: channel.id, event_pattern: "*" },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(rule.details?.[0]?.path).toBe("channel_id");
    expect(
      (await call("GET", `${channels(b.slug)}/${channel.id}`, { key: b.adminKey })).status,
    ).toBe(200);
  });
});
