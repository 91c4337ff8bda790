/**
 * Telemetry rollups and their retention (every minute). Hours are recomputed from minutes and
 * days from hours with absolute upserts, so a rerun changes nothing and every level equals the
 * exact sum of the level below. Unchanged rows are not rewritten (the upsert's WHERE).
 */
import { LATENCY_COLUMNS } from "../../domain/telemetry/buckets";
import { bucketStart, RESOLUTIONS } from "../../domain/telemetry/report";
import type { Services } from "../../services";
import { type CronTask, registerCronTask } from "../cron";
import { RETENTION_DELETE_LIMIT } from "./retention";

/**
 * The previous hour is recomputed for this long into the next hour: the aggregator flushes a
 * minute about a second after it closes (retrying every 15 s if D1 fails), so its last minutes
 * land well within it.
 */
export const PREVIOUS_HOUR_GRACE_MS = 10 * 60_000;
/** The previous day is recomputed for this long into the next day (after its last hour). */
export const PREVIOUS_DAY_GRACE_MS = 2 * 3_600_000;

const TELEMETRY_SUMS = [
  "requests",
  "errors_5xx",
  "errors_4xx",
  "latency_sum_ms",
  ...LATENCY_COLUMNS,
  "reports",
];
const WAF_SUMS = ["blocked", "challenged"];

interface Level {
  readonly source: string;
  readonly target: string;
  readonly keys: readonly string[];
  readonly sums: readonly string[];
}

const LEVELS = {
  telemetryHour: {
    source: "telemetry_minutes",
    target: "telemetry_hours",
    keys: ["project_id", "service", "bundle_id"],
    sums: TELEMETRY_SUMS,
  },
  telemetryDay: {
    source: "telemetry_hours",
    target: "telemetry_days",
    keys: ["project_id", "service", "bundle_id"],
    sums: TELEMETRY_SUMS,
  },
  wafHour: {
    source: "waf_minutes",
    target: "waf_hours",
    keys: ["project_id", "service", "rule_id"],
    sums: WAF_SUMS,
  },
  wafDay: {
    source: "waf_hours",
    target: "waf_days",
    keys: ["project_id", "service", "rule_id"],
    sums: WAF_SUMS,
  },
} as const satisfies Record<string, Level>;

/** Recomputes the `target` bucket starting at `start` (of size `size`) from `source` rows. */
function rollupStatement(
  d1: D1Database,
  level: Level,
  start: number,
  size: number,
): D1PreparedStatement {
  const keys = level.keys.join(", ");
  const columns = [...level.keys, "bucket_start", ...level.sums];
  const set = level.sums.map((c) => `${c} = excluded.${c}`).join(", ");
  const changed = level.sums.map((c) => `${level.target}.${c} IS NOT excluded.${c}`).join(" OR ");
  return d1
    .prepare(
      `INSERT INTO ${level.target} (${columns.join(", ")})
       SELECT ${keys}, ? AS bucket_start, ${level.sums.map((c) => `SUM(${c})`).join(", ")}
       FROM ${level.source} WHERE bucket_start >= ? AND bucket_start < ?
       GROUP BY ${keys}
       ON CONFLICT (${keys}, bucket_start) DO UPDATE SET ${set} WHERE ${changed}`,
    )
    .bind(start, start, start + size);
}

/** The rollup statements due at `now`: current hour and day, plus the previous ones in grace. */
export function rollupStatements(d1: D1Database, now: number): D1PreparedStatement[] {
  const hour = bucketStart(now, "hour");
  const day = bucketStart(now, "day");
  const hours = [hour];
  if (now - hour < PREVIOUS_HOUR_GRACE_MS) {
    hours.push(hour - RESOLUTIONS.hour);
  }
  const days = [day];
  if (now - day < PREVIOUS_DAY_GRACE_MS) {
    days.push(day - RESOLUTIONS.day);
  }
  const statements: D1PreparedStatement[] = [];
  // Hours first: the day statements read the hours just written (one batch runs in order).
  for (const h of hours) {
    statements.push(rollupStatement(d1, LEVELS.telemetryHour, h, RESOLUTIONS.hour));
    statements.push(rollupStatement(d1, LEVELS.wafHour, h, RESOLUTIONS.hour));
  }
  for (const d of days) {
    statements.push(rollupStatement(d1, LEVELS.telemetryDay, d, RESOLUTIONS.day));
    statements.push(rollupStatement(d1, LEVELS.wafDay, d, RESOLUTIONS.day));
  }
  return statements;
}

/** Retention cut-offs per table at `now`, from the configured per-level retention. */
export function retentionCutoffs(services: Pick<Services, "config">, now: number) {
  const c = services.config;
  const minutes = now - c.TELEMETRY_MINUTES_RETENTION_HOURS * RESOLUTIONS.hour;
  const hours = now - c.TELEMETRY_HOURS_RETENTION_DAYS * RESOLUTIONS.day;
  const days = now - c.TELEMETRY_DAYS_RETENTION_DAYS * RESOLUTIONS.day;
  return {
    telemetry_minutes: minutes,
    waf_minutes: minutes,
    telemetry_hours: hours,
    waf_hours: hours,
    waf_node_hours: hours,
    telemetry_days: days,
    waf_days: days,
  } as const;
}

/**
 * Deletes up to RETENTION_DELETE_LIMIT rows older than `cutoff` (oldest first, through the
 * bucket_start index; the rowid exists as these tables are not WITHOUT ROWID).
 */
function retentionStatement(d1: D1Database, table: string, cutoff: number): D1PreparedStatement {
  return d1
    .prepare(
      `DELETE FROM ${table} WHERE rowid IN (
         SELECT rowid FROM ${table} WHERE bucket_start < ? ORDER BY bucket_start LIMIT ?)`,
    )
    .bind(cutoff, RETENTION_DELETE_LIMIT);
}

/** Rolls minutes up into hours and days, then applies each level's retention. */
export const telemetryRollupTask: CronTask = {
  name: "telemetry-rollup",
  async run(services, scheduledTime) {
    const { d1 } = services;
    const rollups = await d1.batch(rollupStatements(d1, scheduledTime));
    const cutoffs = Object.entries(retentionCutoffs(services, scheduledTime));
    const deletes = await d1.batch(
      cutoffs.map(([table, cutoff]) => retentionStatement(d1, table, cutoff)),
    );
    const deleted: Record<string, number> = {};
    cutoffs.forEach(([table], i) => {
      deleted[`deleted_${table}`] = deletes[i]?.meta.changes ?? 0;
    });
    return {
      rollup_rows_written: rollups.reduce((n, r) => n + (r.meta.rows_written ?? 0), 0),
      ...deleted,
    };
  },
};

registerCronTask(telemetryRollupTask);
