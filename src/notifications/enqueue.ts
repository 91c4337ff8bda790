/**
 * Notification fan-out: when ProjectHubDO has written events, match them against the projects'
 * rules, create one `notification_deliveries` row per (event, channel) and queue one NOTIFY_QUEUE
 * message per row. The queue consumer (src/jobs/notify.ts) does the sending.
 */
import type { Env, NotifyJob } from "../env";
import { createLogger } from "../services/logger";
import { matchesPattern } from "./patterns";

/** An event as ProjectHubDO wrote it. */
export interface WrittenEvent {
  id: string;
  projectId: string;
  type: string;
  createdAt: number;
}

/** A routing rule of an enabled channel. */
export interface ActiveRule {
  projectId: string;
  channelId: string;
  eventPattern: string;
}

/** One delivery to create. */
export interface PlannedDelivery {
  projectId: string;
  eventId: string;
  channelId: string;
}

/** Messages per `sendBatch` call (the Queues limit). */
export const QUEUE_SEND_BATCH_MAX = 100;
/** Project ids bound per rule query (D1 allows 100 parameters per statement). */
const PROJECTS_PER_QUERY = 90;

/**
 * Deliveries for `events` under `rules`: one per (event, channel) however many of the channel's
 * rules match, and only rules of the event's own project. Pure.
 */
export function planDeliveries(
  events: readonly WrittenEvent[],
  rules: readonly ActiveRule[],
): PlannedDelivery[] {
  const planned: PlannedDelivery[] = [];
  for (const event of events) {
    const channels = new Set<string>();
    for (const rule of rules) {
      if (rule.projectId === event.projectId && matchesPattern(rule.eventPattern, event.type)) {
        channels.add(rule.channelId);
      }
    }
    for (const channelId of channels) {
      planned.push({ projectId: event.projectId, eventId: event.id, channelId });
    }
  }
  return planned;
}

async function loadRules(db: D1Database, projectIds: string[]): Promise<ActiveRule[]> {
  const rules: ActiveRule[] = [];
  for (let i = 0; i < projectIds.length; i += PROJECTS_PER_QUERY) {
    const ids = projectIds.slice(i, i + PROJECTS_PER_QUERY);
    const { results } = await db
      .prepare(
        `SELECT r.project_id AS projectId, r.channel_id AS channelId, r.event_pattern AS eventPattern
         FROM notification_rules r
         JOIN notification_channels c ON c.id = r.channel_id AND c.project_id = r.project_id
         WHERE c.enabled = 1 AND r.project_id IN (${ids.map(() => "?").join(", ")})`,
      )
      .bind(...ids)
      .all<ActiveRule>();
    rules.push(...results);
  }
  return rules;
}

/**
 * Creates the deliveries for freshly written events and queues them. Never throws: the events
 * are already durable and the caller's mutation must not fail because a notification could not
 * be queued; a failure is logged (with the event ids) instead.
 */
export async function enqueueNotifications(
  env: Pick<Env, "DB" | "NOTIFY_QUEUE">,
  events: readonly WrittenEvent[],
  now: number = Date.now(),
): Promise<number> {
  if (events.length === 0) {
    return 0;
  }
  try {
    const projectIds = [...new Set(events.map((e) => e.projectId))];
    const planned = planDeliveries(events, await loadRules(env.DB, projectIds));
    if (planned.length === 0) {
      return 0;
    }
    const rows = planned.map((p) => ({ ...p, id: crypto.randomUUID() }));
    await env.DB.batch(
      rows.map((r) =>
        env.DB.prepare(
          `INSERT INTO notification_deliveries (id, project_id, channel_id, event_id, status,
             attempts, log, next_attempt_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, 'pending', 0, '[]', ?, ?, ?)`,
        ).bind(r.id, r.projectId, r.channelId, r.eventId, now, now, now),
      ),
    );
    for (let i = 0; i < rows.length; i += QUEUE_SEND_BATCH_MAX) {
      const chunk = rows.slice(i, i + QUEUE_SEND_BATCH_MAX);
      await env.NOTIFY_QUEUE.sendBatch(
        chunk.map((r): { body: NotifyJob } => ({ body: { deliveryId: r.id } })),
      );
    }
    return rows.length;
  } catch (err) {
    // Errors are logged whatever LOG_LEVEL says, so the minimum level here does not matter.
    createLogger("error").error("notification fan-out failed", {
      event_ids: events.map((e) => e.id),
      error: String(err),
    });
    return 0;
  }
}
