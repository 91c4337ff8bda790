/** Fixtures for alert tests: rules through the API, evaluations through the project's DO. */
import { env } from "cloudflare:test";
import type { AlertPassSummary } from "../../src/services/alert-evaluation";
import { call, type Tenant } from "./harness";
import { insertChannel } from "./notify-helpers";

/** A webhook channel routed `alert.*` events (through the real notification-rule route). */
export async function alertWebhook(t: Tenant): Promise<string> {
  const channel = await insertChannel(t.projectId, {
    type: "webhook",
    url: "https://ops.example.com/alerts",
    secret: "s3cret-s3cret-s3cret",
  });
  const res = await call("POST", `/api/v1/projects/${t.slug}/notification-rules`, {
    key: t.adminKey,
    body: { channel_id: channel, event_pattern: "alert.*" },
  });
  if (res.status !== 201) {
    throw new Error(`notification rule: ${res.status} ${res.text}`);
  }
  return channel;
}

/** Creates an alert rule through the API and returns its body. */
export async function createRule(t: Tenant, body: Record<string, unknown>) {
  const res = await call("POST", `/api/v1/projects/${t.slug}/alert-rules`, {
    key: t.adminKey,
    body: { comparator: ">", threshold: 0, metric: "nodes_offline", ...body },
  });
  if (res.status !== 201) {
    throw new Error(`create rule: ${res.status} ${res.text}`);
  }
  return res.body as { id: string; state: string; name: string };
}

/** Runs one evaluation pass of the project's AlertEvaluatorDO now. */
export function evaluate(t: Tenant): Promise<AlertPassSummary> {
  const stub = env.ALERT_EVALUATOR.get(env.ALERT_EVALUATOR.idFromName(t.projectId));
  return stub.evaluateNow(t.projectId);
}

/** The project's events of the given types, oldest first. */
export async function eventsOf(projectId: string, types: string[]) {
  const { results } = await env.DB.prepare(
    `SELECT id, type, severity, payload FROM events
     WHERE project_id = ? AND type IN (${types.map(() => "?").join(", ")})
     ORDER BY created_at, rowid`,
  )
    .bind(projectId, ...types)
    .all<{ id: string; type: string; severity: string; payload: string }>();
  return results;
}

/** Deliveries queued for a channel, with their event types. */
export async function deliveriesOf(channelId: string) {
  const { results } = await env.DB.prepare(
    `SELECT d.id, e.type FROM notification_deliveries d JOIN events e ON e.id = d.event_id
     WHERE d.channel_id = ? ORDER BY d.created_at, d.rowid`,
  )
    .bind(channelId)
    .all<{ id: string; type: string }>();
  return results;
}
