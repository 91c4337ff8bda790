/**
 * The D1 reads of the SLI job: counts of one SLO's service (or project) per alert window from
 * the minute rollups, and over the SLO window from the hour rollups plus the minutes of the
 * current and the previous hour (so the window never depends on the previous hour having been
 * rolled up yet). Two statements per SLO.
 */
import { LATENCY_BUCKET_COUNT, LATENCY_COLUMNS } from "../domain/telemetry/buckets";
import { bucketStart, type Counts, zeroCounts } from "../domain/telemetry/report";

const SUM_COLUMNS = ["requests", "errors_5xx", "errors_4xx", "latency_sum_ms", ...LATENCY_COLUMNS];
const SUMS = SUM_COLUMNS.map((c) => `COALESCE(SUM(${c}), 0) AS ${c}`).join(", ");

type SumRow = Record<string, number>;

function countsOf(row: SumRow | undefined): Counts {
  if (!row) {
    return zeroCounts();
  }
  const latency: number[] = [];
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i += 1) {
    latency.push(Number(row[LATENCY_COLUMNS[i] ?? ""] ?? 0));
  }
  return {
    requests: Number(row.requests ?? 0),
    errors5xx: Number(row.errors_5xx ?? 0),
    errors4xx: Number(row.errors_4xx ?? 0),
    latencySumMs: Number(row.latency_sum_ms ?? 0),
    latency,
    reports: 0,
  };
}

function add(a: Counts, b: Counts): Counts {
  return {
    requests: a.requests + b.requests,
    errors5xx: a.errors5xx + b.errors5xx,
    errors4xx: a.errors4xx + b.errors4xx,
    latencySumMs: a.latencySumMs + b.latencySumMs,
    latency: a.latency.map((v, i) => v + (b.latency[i] ?? 0)),
    reports: 0,
  };
}

/** What one SLO's windows hold. */
export interface SloWindowCounts {
  /** Counts over the SLO's rolling window (hour-aligned start). */
  readonly window: Counts;
  /** Counts per alert window (seconds → counts), ending now. */
  readonly alertWindows: Map<number, Counts>;
}

/**
 * Reads the counts of `service` (null: every service) of `projectId` at `now` over the alert
 * windows (seconds) and the SLO window (days).
 */
export async function readSloWindows(
  d1: D1Database,
  projectId: string,
  service: string | null,
  windowDays: number,
  alertWindowsSeconds: readonly number[],
  now: number,
): Promise<SloWindowCounts> {
  // Hours before this come from telemetry_hours, minutes from it on from telemetry_minutes.
  const recentFrom = bucketStart(now, "hour") - 3_600_000;
  const longest = Math.max(0, ...alertWindowsSeconds) * 1000;
  const minutesFrom = Math.min(bucketStart(now - longest, "minute"), recentFrom);
  const windowFrom = bucketStart(now - windowDays * 86_400_000, "hour");
  const [minutes, hours] = await d1.batch<SumRow>([
    d1
      .prepare(
        `SELECT bucket_start, ${SUMS} FROM telemetry_minutes
         WHERE project_id = ? AND (?2 IS NULL OR service = ?2) AND bucket_start >= ?
         GROUP BY bucket_start`,
      )
      .bind(projectId, service, minutesFrom),
    d1
      .prepare(
        `SELECT ${SUMS} FROM telemetry_hours
         WHERE project_id = ? AND (?2 IS NULL OR service = ?2)
           AND bucket_start >= ? AND bucket_start < ?`,
      )
      .bind(projectId, service, windowFrom, recentFrom),
  ]);
  const perMinute = (minutes?.results ?? []).map((r) => ({
    start: Number(r.bucket_start),
    counts: countsOf(r),
  }));
  const alertWindows = new Map<number, Counts>();
  for (const seconds of alertWindowsSeconds) {
    const from = bucketStart(now - seconds * 1000, "minute");
    let sum = zeroCounts();
    for (const m of perMinute) {
      if (m.start >= from) {
        sum = add(sum, m.counts);
      }
    }
    alertWindows.set(seconds, sum);
  }
  let window = countsOf(hours?.results?.[0]);
  for (const m of perMinute) {
    if (m.start >= recentFrom) {
      window = add(window, m.counts);
    }
  }
  return { window, alertWindows };
}
