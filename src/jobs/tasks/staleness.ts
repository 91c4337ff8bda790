import { type CronTask, registerCronTask } from "../cron";

/**
 * Nodes marked offline per run. The UPDATE and the events it triggers stay bounded; a larger
 * backlog (say, after an outage of the cron itself) drains over the next runs, oldest first.
 */
export const STALENESS_BATCH_LIMIT = 500;

interface StaleNode {
  id: string;
  project_id: string;
  name: string;
  last_seen_at: number;
}

/**
 * Marks nodes `offline` whose last contact (heartbeat, report or registration) is older than
 * NODE_OFFLINE_AFTER_S, in one UPDATE … RETURNING, and emits `node.offline` for each. A
 * heartbeat brings a node back `online` (and emits `node.online`). Idempotent: a node already
 * offline is not touched again.
 */
export const stalenessTask: CronTask = {
  name: "node-staleness",
  async run(services, scheduledTime) {
    const cutoff = scheduledTime - services.config.NODE_OFFLINE_AFTER_S * 1000;
    const { results } = await services.d1
      .prepare(
        `UPDATE nodes SET status = 'offline'
         WHERE id IN (
           SELECT id FROM nodes
           WHERE status = 'online' AND last_seen_at < ? AND revoked_at IS NULL
           ORDER BY last_seen_at LIMIT ?)
         RETURNING id, project_id, name, last_seen_at`,
      )
      .bind(cutoff, STALENESS_BATCH_LIMIT)
      .all<StaleNode>();
    if (results.length > 0) {
      await services.audit.emit(
        results.map((n) => ({
          projectId: n.project_id,
          type: "node.offline",
          severity: "warning" as const,
          resourceType: "node",
          resourceId: n.id,
          payload: {
            node_id: n.id,
            name: n.name,
            last_seen_at: new Date(n.last_seen_at).toISOString(),
            offline_after_s: services.config.NODE_OFFLINE_AFTER_S,
          },
        })),
      );
    }
    return {
      marked_offline: results.length,
      more_pending: results.length === STALENESS_BATCH_LIMIT,
    };
  },
};

registerCronTask(stalenessTask);
