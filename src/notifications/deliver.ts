/**
 * One delivery attempt: load the delivery, its channel and event, send, and record the attempt.
 *
 * Invariants:
 * - Every attempt that reaches the network (or fails before it for a permanent reason) appends
 *   exactly one entry to `notification_deliveries.log`, in the same UPDATE that advances
 *   `attempts` and `status`.
 * - That UPDATE is fenced on the attempt count read at the start, so a duplicate queue message
 *   processed concurrently cannot record a second result for the same attempt.
 * - `delivered` and `dead_letter` are final; a delivery reaches `dead_letter` at the latest after
 *   the channel's `max_attempts` attempts, or at once on a permanent failure.
 */
import { and, eq } from "drizzle-orm";
import { events, notificationChannels, notificationDeliveries, projects } from "../db/schema";
import type { Services } from "../services";
import { buildRequest } from "./adapters";
import { retryDelaySeconds } from "./backoff";
import { channelUrl } from "./channel-config";
import type { NotificationEvent } from "./message";
import { openChannelConfig } from "./sealed";
import { outboundUrlProblem } from "./url-guard";

/** How long one request may take. */
export const DELIVERY_TIMEOUT_MS = 15_000;
/** Response bytes kept per attempt in the log. */
export const RESPONSE_LOG_MAX_BYTES = 2048;
/** Longest Retry-After a receiver may ask for that we honour. */
const MAX_RETRY_AFTER_S = 3600;

/** What the consumer needs besides services: the network and a random source (for jitter). */
export interface DeliveryDeps {
  fetch: (request: Request) => Promise<Response>;
  random: () => number;
}

/** What happened to a delivery; the consumer retries the message only on `retry`. */
export type DeliveryOutcome =
  | { kind: "delivered"; attempt: number }
  | { kind: "retry"; attempt: number; delaySeconds: number }
  | { kind: "dead_letter"; attempt: number; reason: string }
  | { kind: "skipped"; reason: string };

/** One entry of `notification_deliveries.log`. */
export interface AttemptLogEntry {
  attempt: number;
  at: string;
  status_code?: number;
  error?: string;
  response?: string;
  duration_ms?: number;
  outcome?: "delivered" | "retry" | "dead_letter";
  /** Why the delivery was dead-lettered, or the delay before the next attempt. */
  reason?: string;
}

/** Reads at most `maxBytes` of the body as text and releases the rest of the stream. */
export async function readPrefix(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) {
    return "";
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(total, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.byteLength, bytes.byteLength - offset);
    bytes.set(chunk.subarray(0, take), offset);
    offset += take;
  }
  // A cut multi-byte character decodes to U+FFFD; the log is for people, not for parsing.
  return new TextDecoder().decode(bytes);
}

/** 4xx answers that will not change on retry (408 timeout, 425 and 429 are worth retrying). */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429;
}

function retryAfterSeconds(res: Response): number {
  const raw = res.headers.get("retry-after");
  const seconds = raw !== null && /^\d+$/.test(raw) ? Number(raw) : 0;
  return Math.min(seconds, MAX_RETRY_AFTER_S);
}

async function loadEvent(services: Services, eventId: string): Promise<NotificationEvent | null> {
  const rows = await services.db
    .select({ event: events, project: projects })
    .from(events)
    .innerJoin(projects, eq(projects.id, events.projectId))
    .where(eq(events.id, eventId))
    .limit(1);
  const row = rows[0];
  if (!row) {
    return null;
  }
  return {
    id: row.event.id,
    type: row.event.type,
    severity: row.event.severity,
    projectId: row.project.id,
    projectSlug: row.project.slug,
    projectName: row.project.name,
    resourceType: row.event.resourceType,
    resourceId: row.event.resourceId,
    payload: row.event.payload,
    createdAt: row.event.createdAt,
  };
}

type Decision =
  | { kind: "delivered" }
  | { kind: "retry"; minDelaySeconds: number }
  | { kind: "permanent"; reason: string };

/** Sends the request once; returns the log entry and what to do next. */
async function attempt(
  services: Services,
  deps: DeliveryDeps,
  request: Request,
  n: number,
): Promise<{ entry: AttemptLogEntry; decision: Decision }> {
  const startedAt = services.clock.now();
  const entry: AttemptLogEntry = { attempt: n, at: new Date(startedAt).toISOString() };
  try {
    const res = await deps.fetch(request);
    entry.status_code = res.status;
    entry.response = await readPrefix(res, RESPONSE_LOG_MAX_BYTES);
    entry.duration_ms = services.clock.now() - startedAt;
    if (res.status >= 200 && res.status < 300) {
      return { entry, decision: { kind: "delivered" } };
    }
    if (res.status >= 300 && res.status < 400) {
      return { entry, decision: { kind: "permanent", reason: "redirects are not followed" } };
    }
    if (isPermanentStatus(res.status)) {
      return { entry, decision: { kind: "permanent", reason: `HTTP ${res.status}` } };
    }
    return { entry, decision: { kind: "retry", minDelaySeconds: retryAfterSeconds(res) } };
  } catch (err) {
    entry.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    entry.duration_ms = services.clock.now() - startedAt;
    return { entry, decision: { kind: "retry", minDelaySeconds: 0 } };
  }
}

/**
 * Appends `entry` and moves the delivery on, only if no one else recorded attempt
 * `entry.attempt` first. Returns false when the fence did not hold.
 */
async function record(
  services: Services,
  deliveryId: string,
  entry: AttemptLogEntry,
  status: "delivered" | "retrying" | "dead_letter",
  nextAttemptAt: number | null,
): Promise<boolean> {
  const row = await services.d1
    .prepare(
      `UPDATE notification_deliveries
       SET status = ?, attempts = ?, log = json_insert(log, '$[#]', json(?)),
           next_attempt_at = ?, updated_at = ?
       WHERE id = ? AND attempts = ? AND status IN ('pending', 'retrying')
       RETURNING id`,
    )
    .bind(
      status,
      entry.attempt,
      JSON.stringify(entry),
      nextAttemptAt,
      services.clock.now(),
      deliveryId,
      entry.attempt - 1,
    )
    .first<{ id: string }>();
  return row !== null;
}

/** Runs the next attempt of one delivery. Throws only on infrastructure errors (D1). */
export async function processDelivery(
  services: Services,
  deliveryId: string,
  deps: DeliveryDeps,
): Promise<DeliveryOutcome> {
  const delivery = await services.db.query.notificationDeliveries.findFirst({
    where: eq(notificationDeliveries.id, deliveryId),
  });
  if (!delivery) {
    return { kind: "skipped", reason: "delivery not found" };
  }
  if (delivery.status === "delivered" || delivery.status === "dead_letter") {
    return { kind: "skipped", reason: `delivery already ${delivery.status}` };
  }
  const n = delivery.attempts + 1;
  const now = services.clock.now();
  const giveUp = async (reason: string, entry?: AttemptLogEntry): Promise<DeliveryOutcome> => {
    const base = entry ?? { attempt: n, at: new Date(now).toISOString(), error: reason };
    const logged: AttemptLogEntry = { ...base, outcome: "dead_letter", reason };
    return (await record(services, deliveryId, logged, "dead_letter", null))
      ? { kind: "dead_letter", attempt: n, reason }
      : { kind: "skipped", reason: "attempt recorded concurrently" };
  };

  const channel = await services.db.query.notificationChannels.findFirst({
    where: and(
      eq(notificationChannels.id, delivery.channelId),
      eq(notificationChannels.projectId, delivery.projectId),
    ),
  });
  if (!channel) {
    return giveUp("channel was deleted");
  }
  if (!channel.enabled) {
    return giveUp("channel is disabled");
  }
  const event = await loadEvent(services, delivery.eventId);
  if (!event) {
    return giveUp("event no longer exists");
  }
  let config: Awaited<ReturnType<typeof openChannelConfig>>;
  try {
    config = await openChannelConfig(services.config.ZCP_MASTER_KEY, channel.id, channel.configEnc);
  } catch (err) {
    return giveUp(`channel configuration cannot be opened: ${String(err)}`);
  }
  // Re-checked at send time: the policy (development flag) may differ from when it was saved.
  const problem = outboundUrlProblem(channelUrl(config), {
    allowLoopback: services.config.NOTIFY_ALLOW_LOCAL_URLS,
  });
  if (problem !== null) {
    return giveUp(`channel URL refused: ${problem}`);
  }

  const outbound = await buildRequest(config, event, { deliveryId, now });
  const request = new Request(outbound.url, {
    method: "POST",
    headers: outbound.headers,
    body: outbound.body,
    redirect: "manual",
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
  });
  const { entry, decision } = await attempt(services, deps, request, n);
  if (decision.kind === "delivered") {
    entry.outcome = "delivered";
    return (await record(services, deliveryId, entry, "delivered", null))
      ? { kind: "delivered", attempt: n }
      : { kind: "skipped", reason: "attempt recorded concurrently" };
  }
  if (decision.kind === "permanent") {
    return giveUp(decision.reason, entry);
  }
  if (n >= channel.maxAttempts) {
    return giveUp(`gave up after ${n} attempts`, entry);
  }
  const delaySeconds = Math.max(retryDelaySeconds(n, deps.random), decision.minDelaySeconds);
  entry.outcome = "retry";
  entry.reason = `next attempt in ${delaySeconds} s`;
  return (await record(services, deliveryId, entry, "retrying", now + delaySeconds * 1000))
    ? { kind: "retry", attempt: n, delaySeconds }
    : { kind: "skipped", reason: "attempt recorded concurrently" };
}
