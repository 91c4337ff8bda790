import { type CronTask, registerCronTask } from "../cron";

/** Rows deleted per table and run (both tables only hold minutes' worth of sign-ins). */
export const SAML_STATE_PER_RUN = 5_000;

/**
 * Prunes SAML AuthnRequests nobody answered and remembered assertion ids whose assertions have
 * expired (a replay of those is refused as expired by the validator anyway).
 */
export const samlStateTask: CronTask = {
  name: "saml-state",
  async run(services, scheduledTime) {
    const [requests, assertions] = await services.d1.batch([
      services.d1
        .prepare(
          `DELETE FROM saml_requests WHERE id IN (
             SELECT id FROM saml_requests WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
        )
        .bind(scheduledTime, SAML_STATE_PER_RUN),
      services.d1
        .prepare(
          `DELETE FROM saml_assertion_ids WHERE rowid IN (
             SELECT rowid FROM saml_assertion_ids WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
        )
        .bind(scheduledTime, SAML_STATE_PER_RUN),
    ]);
    return {
      requests_deleted: requests?.meta.changes ?? 0,
      assertion_ids_deleted: assertions?.meta.changes ?? 0,
    };
  },
};

registerCronTask(samlStateTask);
