/** Fixtures for notification tests: channels, events and deliveries written directly to D1. */
import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  type QueueResult,
} from "cloudflare:test";
import { createNotifyHandler } from "../../src/jobs/notify";
import type { ChannelConfig } from "../../src/notifications/channel-config";
import type { DeliveryDeps } from "../../src/notifications/deliver";
import { sealChannelConfig } from "../../src/notifications/sealed";

const masterKey = () => {
  if (!env.ZCP_MASTER_KEY) {
    throw new Error("ZCP_MASTER_KEY missing in the test environment");
  }
  return env.ZCP_MASTER_KEY;
};

/** Inserts a channel with a sealed config; returns its id. */
export async function insertChannel(
  projectId: string,
  config: ChannelConfig,
  opts: { maxAttempts?: number; enabled?: boolean } = {},
): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO notification_channels (id, project_id, name, type, config_enc, enabled,
       max_attempts, created_at) VALUES (?,?,?,?,?,?,?,?)`,
  )
    .bind(
      id,
      projectId,
      `${config.type}-channel`,
      config.type,
      await sealChannelConfig(masterKey(), id, config),
      opts.enabled === false ? 0 : 1,
      opts.maxAttempts ?? 8,
      Date.now(),
    )
    .run();
  return id;
}

/** Inserts a project event; returns its id. */
export async function insertEvent(
  projectId: string,
  type: string,
  payload: Record<string, unknown> = {},
): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO events (id, project_id, type, severity, resource_type, resource_id, payload,
       created_at) VALUES (?,?,?,?,?,?,?,?)`,
  )
    .bind(id, projectId, type, "warning", "node", "node-1", JSON.stringify(payload), Date.now())
    .run();
  return id;
}

/** Inserts a pending delivery (no queue message: the test drives the consumer itself). */
export async function insertDelivery(
  projectId: string,
  channelId: string,
  eventId: string,
): Promise<string> {
  const id = crypto.randomUUID();
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO notification_deliveries (id, project_id, channel_id, event_id, status, attempts,
       log, next_attempt_at, created_at, updated_at) VALUES (?,?,?,?,'pending',0,'[]',?,?,?)`,
  )
    .bind(id, projectId, channelId, eventId, now, now, now)
    .run();
  return id;
}

/** A delivery row as stored, with its log parsed. */
export interface StoredDelivery {
  status: string;
  attempts: number;
  log: Array<Record<string, unknown>>;
  next_attempt_at: number | null;
}

/** Reads a delivery row. */
export async function deliveryRow(id: string): Promise<StoredDelivery> {
  const row = await env.DB.prepare(
    "SELECT status, attempts, log, next_attempt_at FROM notification_deliveries WHERE id = ?",
  )
    .bind(id)
    .first<{ status: string; attempts: number; log: string; next_attempt_at: number | null }>();
  if (!row) {
    throw new Error(`delivery ${id} not found`);
  }
  return { ...row, log: JSON.parse(row.log) };
}

/**
 * Runs the notify consumer once for one delivery, as queue delivery number `attempts`, with
 * `bindings` replacing environment values for this run.
 */
export async function runNotify(
  deliveryId: string,
  fetch: DeliveryDeps["fetch"],
  attempts = 1,
  bindings: Partial<typeof env> = {},
): Promise<QueueResult> {
  const batch = createMessageBatch("zentinel-cp-notify", [
    { id: `msg-${crypto.randomUUID()}`, timestamp: Date.now(), attempts, body: { deliveryId } },
  ]);
  const ctx = createExecutionContext();
  await createNotifyHandler({ fetch, random: () => 0 })(batch, { ...env, ...bindings }, ctx);
  return getQueueResult(batch, ctx);
}

/** A fetch stand-in that answers every request with `status` and records what it received. */
export function fakeEndpoint(status: number, body = "") {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(new Request(request));
    return new Response(body, { status });
  };
  return { fetch, requests };
}
