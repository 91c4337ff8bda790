import { and, eq, gt, isNull, lte, or } from "drizzle-orm";
import { configCertificates } from "../../db/schema";
import {
  daysLeft,
  dueThreshold,
  EXPIRY_THRESHOLDS_DAYS,
  expirySeverity,
} from "../../domain/config/cert-expiry";
import type { Services } from "../../services";
import { type CronTask, registerCronTask } from "../cron";

/** Certificates examined per run (the index on not_after keeps this a range scan). */
export const CERT_EXPIRY_BATCH = 200;
const DAY_MS = 86_400_000;

/**
 * Warns through the notification channels (`certificate.expiring` events) at 30, 7 and 1 days
 * before a certificate's `not_after`, once per threshold: the stored threshold moves with a
 * compare-and-set, so two overlapping cron runs cannot both warn.
 */
export async function warnExpiringCertificates(services: Services, now: number) {
  const horizon = now + EXPIRY_THRESHOLDS_DAYS[0] * DAY_MS;
  const rows = await services.db
    .select()
    .from(configCertificates)
    .where(
      and(
        lte(configCertificates.notAfter, horizon),
        or(isNull(configCertificates.expiryWarnedDays), gt(configCertificates.expiryWarnedDays, 1)),
      ),
    )
    .limit(CERT_EXPIRY_BATCH);
  let warned = 0;
  for (const cert of rows) {
    const threshold = dueThreshold(cert.notAfter, now, cert.expiryWarnedDays);
    if (threshold === null) {
      continue;
    }
    const claimed = await services.db
      .update(configCertificates)
      .set({ expiryWarnedDays: threshold })
      .where(
        and(
          eq(configCertificates.id, cert.id),
          eq(configCertificates.version, cert.version),
          cert.expiryWarnedDays === null
            ? isNull(configCertificates.expiryWarnedDays)
            : eq(configCertificates.expiryWarnedDays, cert.expiryWarnedDays),
        ),
      )
      .returning({ id: configCertificates.id });
    if (claimed.length === 0) {
      continue;
    }
    const left = daysLeft(cert.notAfter, now);
    await services.audit.emit([
      {
        projectId: cert.projectId,
        type: "certificate.expiring",
        severity: expirySeverity(threshold),
        resourceType: "certificate",
        resourceId: cert.id,
        payload: {
          name: cert.name,
          subject: cert.subject,
          not_after: new Date(cert.notAfter).toISOString(),
          threshold_days: threshold,
          days_left: left,
          message:
            left < 0
              ? `Certificate '${cert.name}' expired on ${new Date(cert.notAfter).toISOString()}`
              : `Certificate '${cert.name}' expires in ${left} day(s) (${new Date(cert.notAfter).toISOString()})`,
        },
      },
    ]);
    warned++;
  }
  return { examined: rows.length, warned };
}

registerCronTask({
  name: "cert-expiry",
  run: (services, scheduledTime) => warnExpiringCertificates(services, scheduledTime),
} satisfies CronTask);
