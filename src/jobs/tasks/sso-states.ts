import { type CronTask, registerCronTask } from "../cron";

/** Expired OIDC sign-in attempts deleted per run (each lives 10 minutes). */
export const EXPIRED_SSO_STATES_PER_RUN = 5_000;

/** Deletes abandoned OIDC sign-in attempts (through the expires_at index, bounded per run). */
export const expiredSsoStatesTask: CronTask = {
  name: "expired-sso-states",
  async run(services, scheduledTime) {
    const result = await services.d1
      .prepare(
        `DELETE FROM sso_login_states WHERE id IN (
           SELECT id FROM sso_login_states WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
      )
      .bind(scheduledTime, EXPIRED_SSO_STATES_PER_RUN)
      .run();
    return { deleted: result.meta.changes };
  },
};

registerCronTask(expiredSsoStatesTask);
