/** Helpers for SLO tests: create through the API, webhook channels, the SLI job, deliveries. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { runSliJob } from "../../src/jobs/tasks/telemetry-slo";
import { createServices } from "../../src/services";
import { call, type Tenant } from "./harness";

/** POST …/slos; asserts 201. */
export async function createSlo(tenant: Tenant, body: Record<string, unknown>): Promise<any> {
  const res = await call("POST", `/api/v1/projects/${tenant.slug}/slos`, {
    key: tenant.adminKey,
    body,
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** A webhook channel with a rule for `pattern`, through the API; returns the channel id. */
export async function webhookChannel(tenant: Tenant, pattern = "slo.*"): Promise<string> {
  const channel = await call("POST", `/api/v1/projects/${tenant.slug}/notification-channels`, {
    key: tenant.adminKey,
    body: { name: "ops hook", type: "webhook", url: "https://ops.example.com/hook" },
  });
  expect(channel.status, channel.text).toBe(201);
  const rule = await call("POST", `/api/v1/projects/${tenant.slug}/notification-rules`, {
    key: tenant.adminKey,
    body: { channel_id: channel.body.id, event_pattern: pattern },
  });
  expect(rule.status, rule.text).toBe(201);
  return channel.body.id as string;
}

/** Runs the SLI job at `now` (the cron task's body). */
export function runSli(now = Date.now()) {
  const services = createServices(env, { waitUntil: () => undefined }, `test-sli-${now}`, {
    clock: { now: () => now },
  });
  return runSliJob(services, now);
}

/** Event types delivered to `channelId`, oldest first. */
export async function deliveredTypes(channelId: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT e.type FROM notification_deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.channel_id = ? ORDER BY e.created_at, e.rowid`,
  )
    .bind(channelId)
    .all<{ type: string }>();
  return results.map((r) => r.type);
}

/** Audit actions of a project with this prefix, oldest first. */
export async function auditActions(projectId: string, prefix: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "SELECT action FROM audit_logs WHERE project_id = ? AND action LIKE ? ORDER BY seq",
  )
    .bind(projectId, `${prefix}%`)
    .all<{ action: string }>();
  return results.map((r) => r.action);
}
