import { type CronTask, registerCronTask } from "../cron";

/**
 * Expired sessions deleted per run. Sessions expire after 12 h and sign-in already deletes the
 * signing-in user's expired sessions; this catches users who never come back.
 */
export const EXPIRED_SESSIONS_PER_RUN = 5_000;

/** Deletes expired dashboard sessions (through the expires_at index, bounded per run). */
export const expiredSessionsTask: CronTask = {
  name: "expired-sessions",
  async run(services, scheduledTime) {
    const result = await services.d1
      .prepare(
        `DELETE FROM sessions WHERE id IN (
           SELECT id FROM sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
      )
      .bind(scheduledTime, EXPIRED_SESSIONS_PER_RUN)
      .run();
    return { deleted: result.meta.changes };
  },
};

registerCronTask(expiredSessionsTask);
