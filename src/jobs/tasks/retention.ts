import type { Services } from "../../services";
import { type CronTask, registerCronTask } from "../cron";

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60_000;

/** Heartbeat history older than this goes, whatever the per-node count. */
export const HEARTBEAT_MAX_AGE_MS = 7 * DAY_MS;
/** Project events are kept this long. */
export const EVENT_RETENTION_MS = 90 * DAY_MS;
/** Node events (what agents reported) are kept this long. */
export const NODE_EVENT_RETENTION_MS = 30 * DAY_MS;
/** Notification deliveries (with their attempt logs) are kept this long. */
export const DELIVERY_RETENTION_MS = 30 * DAY_MS;
/** Resolved drift events are kept as long as project events. */
export const DRIFT_EVENT_RETENTION_MS = 90 * DAY_MS;

/** Rows deleted per table per run: bounded statements; a backlog drains over later runs. */
export const RETENTION_DELETE_LIMIT = 10_000;
/**
 * Nodes whose history is trimmed to HEARTBEAT_HISTORY_PER_NODE per run. Runs walk the node
 * table in pages, one page per minute, so with P pages each node is trimmed every P minutes and
 * holds at most the limit plus P minutes of heartbeats.
 */
export const HEARTBEAT_NODES_PER_RUN = 500;

async function changes(statement: D1PreparedStatement): Promise<number> {
  return (await statement.run()).meta.changes;
}

/**
 * Deletes rows older than `cutoff` from a table whose rowid grows with `created_at` (rows are
 * inserted at their creation time), looking only at the oldest RETENTION_DELETE_LIMIT rows by
 * rowid: no index on the time column is needed and the scan stays bounded.
 */
function deleteOldestByRowid(
  d1: D1Database,
  table: "node_heartbeats" | "notification_deliveries",
  cutoff: number,
): D1PreparedStatement {
  return d1
    .prepare(
      `DELETE FROM ${table} WHERE rowid IN (
         SELECT rowid FROM (SELECT rowid, created_at FROM ${table} ORDER BY rowid LIMIT ?)
         WHERE created_at < ?)`,
    )
    .bind(RETENTION_DELETE_LIMIT, cutoff);
}

/** Deletes rows older than `cutoff` through the table's created_at index. */
function deleteOlderThan(
  d1: D1Database,
  table: "events" | "node_events",
  cutoff: number,
): D1PreparedStatement {
  return d1
    .prepare(
      `DELETE FROM ${table} WHERE id IN (
         SELECT id FROM ${table} WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
    )
    .bind(cutoff, RETENTION_DELETE_LIMIT);
}

/** Which page of nodes this run trims: the minute number modulo the number of pages. */
export function heartbeatPage(nodeCount: number, scheduledTime: number): number {
  const pages = Math.max(1, Math.ceil(nodeCount / HEARTBEAT_NODES_PER_RUN));
  return Math.floor(scheduledTime / MINUTE_MS) % pages;
}

/**
 * Keeps the newest `keep` heartbeats (by time, then id) of each node in this run's page of the
 * node table and deletes the rest.
 */
async function trimHeartbeatsPerNode(services: Services, scheduledTime: number): Promise<number> {
  const count = await services.d1.prepare("SELECT COUNT(*) AS n FROM nodes").first<{ n: number }>();
  const page = heartbeatPage(count?.n ?? 0, scheduledTime);
  return changes(
    services.d1
      .prepare(
        `WITH page AS (SELECT id FROM nodes ORDER BY id LIMIT ? OFFSET ?),
         ranked AS (
           SELECT h.id, h.node_id, h.created_at,
             ROW_NUMBER() OVER (PARTITION BY h.node_id ORDER BY h.created_at DESC, h.id DESC) AS rn
           FROM node_heartbeats h WHERE h.node_id IN (SELECT id FROM page))
         DELETE FROM node_heartbeats WHERE id IN (SELECT id FROM ranked WHERE rn > ? LIMIT ?)`,
      )
      .bind(
        HEARTBEAT_NODES_PER_RUN,
        page * HEARTBEAT_NODES_PER_RUN,
        services.config.HEARTBEAT_HISTORY_PER_NODE,
        RETENTION_DELETE_LIMIT,
      ),
  );
}

/**
 * Retention: heartbeat history (newest HEARTBEAT_HISTORY_PER_NODE per node, nothing older than
 * 7 days), project events (90 days), node events (30 days), notification deliveries (30 days)
 * and resolved drift events (90 days). Every statement is bounded; a backlog drains over the
 * following runs.
 */
export const retentionTask: CronTask = {
  name: "retention",
  async run(services, scheduledTime) {
    const { d1 } = services;
    const heartbeatsPerNode = await trimHeartbeatsPerNode(services, scheduledTime);
    const heartbeatsByAge = await changes(
      deleteOldestByRowid(d1, "node_heartbeats", scheduledTime - HEARTBEAT_MAX_AGE_MS),
    );
    const events = await changes(deleteOlderThan(d1, "events", scheduledTime - EVENT_RETENTION_MS));
    const nodeEvents = await changes(
      deleteOlderThan(d1, "node_events", scheduledTime - NODE_EVENT_RETENTION_MS),
    );
    const deliveries = await changes(
      deleteOldestByRowid(d1, "notification_deliveries", scheduledTime - DELIVERY_RETENTION_MS),
    );
    const driftEvents = await changes(
      d1
        .prepare(
          `DELETE FROM drift_events WHERE id IN (
             SELECT id FROM drift_events WHERE resolved_at IS NOT NULL AND resolved_at < ? LIMIT ?)`,
        )
        .bind(scheduledTime - DRIFT_EVENT_RETENTION_MS, RETENTION_DELETE_LIMIT),
    );
    return {
      heartbeats_per_node: heartbeatsPerNode,
      heartbeats_by_age: heartbeatsByAge,
      events,
      node_events: nodeEvents,
      deliveries,
      drift_events: driftEvents,
    };
  },
};

registerCronTask(retentionTask);
