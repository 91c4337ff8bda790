/**
 * WAF baseline and anomaly jobs over the rollup tables. The pure rules are in
 * src/domain/waf/; this module reads the counts, writes baselines and anomalies, and emits the
 * `waf.anomaly_detected` events.
 */
import {
  type Anomaly,
  detectAnomalies,
  newAnomalies,
  type ReportedAnomaly,
} from "../domain/waf/anomaly";
import {
  type BaselineSlot,
  computeBaselines,
  HOUR_MS,
  type HourlyCount,
  hourOfWeek,
} from "../domain/waf/baseline";
import type { Services } from ".";

/** Weeks of history a baseline slot is built from. */
export const BASELINE_WEEKS = 4;
/** Length of the window the anomaly job judges. */
export const ANOMALY_WINDOW_MS = HOUR_MS;
/** Projects handled per job run (the rest wait for the next run). */
export const WAF_JOB_PROJECT_LIMIT = 50;
const WEEK_MS = 168 * HOUR_MS;
/** Upserts per D1 batch. */
const BATCH_SIZE = 100;

/**
 * Recomputes, for every project with WAF data in the lookback, the baseline slot of the hour
 * starting at `hourStart` (which must be final): per rule, the blocks of that hour and of the
 * same hour in the previous weeks. Weeks before the project's first WAF data do not count;
 * after it, a week in which a rule blocked nothing counts as 0.
 */
export async function refreshBaselineSlot(
  services: Pick<Services, "d1">,
  hourStart: number,
  now: number,
): Promise<{ projects: number; slots: number }> {
  const hours = Array.from({ length: BASELINE_WEEKS }, (_, k) => hourStart - k * WEEK_MS);
  const oldest = hours[hours.length - 1] ?? hourStart;
  const { results: projects } = await services.d1
    .prepare(
      `SELECT DISTINCT project_id FROM waf_hours
       WHERE bucket_start >= ? AND bucket_start <= ? LIMIT ?`,
    )
    .bind(oldest, hourStart, WAF_JOB_PROJECT_LIMIT)
    .all<{ project_id: string }>();
  let slots = 0;
  for (const p of projects) {
    const firstHour = await firstWafHour(services.d1, p.project_id);
    const counted = hours.filter((h) => h >= firstHour);
    if (counted.length === 0) {
      continue;
    }
    const { results } = await services.d1
      .prepare(
        `SELECT rule_id, bucket_start, SUM(blocked) AS blocked FROM waf_hours
         WHERE project_id = ? AND bucket_start IN (${counted.map(() => "?").join(", ")})
         GROUP BY rule_id, bucket_start`,
      )
      .bind(p.project_id, ...counted)
      .all<{ rule_id: string; bucket_start: number; blocked: number }>();
    const rules = [...new Set(results.map((r) => r.rule_id))];
    const seen = new Map(results.map((r) => [`${r.rule_id}\u0000${r.bucket_start}`, r.blocked]));
    const counts: HourlyCount[] = rules.flatMap((ruleId) =>
      counted.map((h) => ({ ruleId, hourStart: h, count: seen.get(`${ruleId}\u0000${h}`) ?? 0 })),
    );
    const computed = computeBaselines(counts);
    await upsertBaselines(services.d1, p.project_id, computed, now);
    slots += computed.length;
  }
  return { projects: projects.length, slots };
}

async function firstWafHour(d1: D1Database, projectId: string): Promise<number> {
  const row = await d1
    .prepare("SELECT MIN(bucket_start) AS t FROM waf_hours WHERE project_id = ?")
    .bind(projectId)
    .first<{ t: number | null }>();
  return row?.t ?? Number.POSITIVE_INFINITY;
}

async function upsertBaselines(
  d1: D1Database,
  projectId: string,
  slots: readonly BaselineSlot[],
  now: number,
): Promise<void> {
  const stmts = slots.map((s) =>
    d1
      .prepare(
        `INSERT INTO waf_baselines (project_id, rule_id, hour_of_week, mean, stddev, samples,
           computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (project_id, rule_id, hour_of_week) DO UPDATE SET mean = excluded.mean,
           stddev = excluded.stddev, samples = excluded.samples, computed_at = excluded.computed_at`,
      )
      .bind(projectId, s.ruleId, s.hourOfWeek, s.mean, s.stddev, s.samples, now),
  );
  for (let i = 0; i < stmts.length; i += BATCH_SIZE) {
    await d1.batch(stmts.slice(i, i + BATCH_SIZE));
  }
}

/** Severity of the event an anomaly becomes. */
function eventSeverity(a: Anomaly): "warning" | "critical" {
  return a.severity === "critical" ? "critical" : "warning";
}

/**
 * The 15-minute anomaly job: for every project with WAF data or baselines, compares each
 * rule's blocks over `[windowEnd − 1 h, windowEnd)` with its baseline, stores the new
 * anomalies (not reported for the same rule and direction within the hour) and emits one
 * `waf.anomaly_detected` event per anomaly.
 */
export async function detectWafAnomalies(
  services: Pick<Services, "d1" | "audit">,
  windowEnd: number,
  now: number,
): Promise<{ projects: number; anomalies: number }> {
  const from = windowEnd - ANOMALY_WINDOW_MS;
  const slotsNeeded = [...new Set([hourOfWeek(from), hourOfWeek(windowEnd - 1)])];
  const { results: projects } = await services.d1
    .prepare(
      `SELECT project_id FROM waf_minutes WHERE bucket_start >= ? AND bucket_start < ?
       UNION SELECT project_id FROM waf_baselines
       WHERE hour_of_week IN (${slotsNeeded.map(() => "?").join(", ")})
       LIMIT ?`,
    )
    .bind(from, windowEnd, ...slotsNeeded, WAF_JOB_PROJECT_LIMIT)
    .all<{ project_id: string }>();
  let total = 0;
  for (const { project_id: projectId } of projects) {
    const [observedRows, baselineRows, reportedRows] = await services.d1.batch([
      services.d1
        .prepare(
          `SELECT rule_id, SUM(blocked) AS blocked FROM waf_minutes
           WHERE project_id = ? AND bucket_start >= ? AND bucket_start < ? GROUP BY rule_id`,
        )
        .bind(projectId, from, windowEnd),
      services.d1
        .prepare(
          `SELECT rule_id AS ruleId, hour_of_week AS hourOfWeek, mean, stddev, samples
           FROM waf_baselines WHERE project_id = ?
             AND hour_of_week IN (${slotsNeeded.map(() => "?").join(", ")})`,
        )
        .bind(projectId, ...slotsNeeded),
      services.d1
        .prepare(
          `SELECT rule_id AS ruleId, direction, detected_at AS detectedAt FROM waf_anomalies
           WHERE project_id = ? AND detected_at > ?`,
        )
        .bind(projectId, now - HOUR_MS),
    ]);
    const observed = new Map(
      ((observedRows?.results ?? []) as Array<{ rule_id: string; blocked: number }>).map((r) => [
        r.rule_id,
        r.blocked,
      ]),
    );
    const found = detectAnomalies(
      observed,
      (baselineRows?.results ?? []) as BaselineSlot[],
      from,
      windowEnd,
    );
    const fresh = newAnomalies(found, (reportedRows?.results ?? []) as ReportedAnomaly[], now);
    if (fresh.length === 0) {
      continue;
    }
    const rows = fresh.map((a) => ({ ...a, id: crypto.randomUUID() }));
    await services.d1.batch(
      rows.map((a) =>
        services.d1
          .prepare(
            `INSERT INTO waf_anomalies (id, project_id, rule_id, direction, observed, expected,
               stddev, z, severity, window_start, window_end, detected_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .bind(
            a.id,
            projectId,
            a.ruleId,
            a.direction,
            a.observed,
            a.expected,
            a.stddev,
            a.z,
            a.severity,
            from,
            windowEnd,
            now,
          ),
      ),
    );
    await services.audit.emit(
      rows.map((a) => ({
        projectId,
        type: "waf.anomaly_detected",
        severity: eventSeverity(a),
        resourceType: "waf_rule",
        resourceId: a.ruleId,
        payload: {
          anomaly_id: a.id,
          rule_id: a.ruleId,
          direction: a.direction,
          observed: a.observed,
          expected: Math.round(a.expected * 100) / 100,
          z: Math.round(a.z * 100) / 100,
          severity: a.severity,
          window_start: new Date(from).toISOString(),
          window_end: new Date(windowEnd).toISOString(),
        },
      })),
    );
    total += rows.length;
  }
  return { projects: projects.length, anomalies: total };
}
