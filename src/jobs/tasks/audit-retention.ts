import { type CronTask, registerCronTask } from "../cron";

/** Chains pruned per run; a larger backlog drains over the next runs. */
export const RETENTION_CHAINS_PER_RUN = 50;
/** Entries deleted per chain per run (each is re-verified before deletion). */
export const RETENTION_ROWS_PER_CHAIN = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes audit entries older than AUDIT_RETENTION_DAYS (default 365). Each chain is pruned by
 * its ProjectHubDO, which verifies the prefix, records the last pruned entry as the chain's
 * anchor and deletes it (see durable-objects/chain-maintenance.ts), so verification stays
 * meaningful afterwards. A chain's newest entry is kept even when it is old.
 *
 * A prefix that fails verification is not deleted: the task logs an error naming the chain and
 * carries on with the others (evidence of tampering must outlive the retention period).
 */
export const auditRetentionTask: CronTask = {
  name: "audit-retention",
  async run(services, scheduledTime) {
    const cutoff = scheduledTime - services.config.AUDIT_RETENTION_DAYS * DAY_MS;
    // Chains with an expired entry that is not their newest one. Uses audit_logs_created for
    // the range and audit_logs_chain_seq for the EXISTS probe; once pruned, a chain only has its
    // head left below the cutoff and drops out of this query.
    const { results } = await services.d1
      .prepare(
        `SELECT DISTINCT a.chain AS chain FROM audit_logs a
         WHERE a.created_at < ?
           AND EXISTS (SELECT 1 FROM audit_logs b WHERE b.chain = a.chain AND b.seq > a.seq)
         LIMIT ?`,
      )
      .bind(cutoff, RETENTION_CHAINS_PER_RUN)
      .all<{ chain: string }>();
    let pruned = 0;
    let refused = 0;
    for (const { chain } of results) {
      const hub = services.hubs.get(services.hubs.idFromName(chain));
      const outcome = await hub.prune(chain, cutoff, RETENTION_ROWS_PER_CHAIN);
      pruned += outcome.pruned;
      if (outcome.refused !== null) {
        refused++;
        services.logger.error("audit chain failed verification; not pruned", {
          chain,
          reason: outcome.refused,
        });
      }
    }
    return { chains: results.length, pruned, refused };
  },
};

registerCronTask(auditRetentionTask);
