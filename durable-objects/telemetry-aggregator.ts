import { DurableObject } from "cloudflare:workers";
import { minuteUpserts, wafNodeUpserts, wafUpserts } from "../src/db/telemetry-writes";
import {
  addCounts,
  bucketStart,
  deltaCounts,
  type TelemetryReport,
  zeroCounts,
} from "../src/domain/telemetry/report";
import type { Env } from "../src/env";
import type {
  CohortCounts,
  FlushResult,
  IngestOutcome,
  TelemetryAggregatorRpc,
} from "../src/rpc/telemetry-aggregator";
import { createLogger } from "../src/services/logger";
import { AggregatorStore } from "./telemetry/store";

/**
 * How long a (node, interval_start) key is remembered. A report whose interval started longer
 * ago than this is acknowledged but not counted, so a retry can never be counted twice.
 */
export const DEDUPE_WINDOW_MS = 2 * 3_600_000;
/** Minutes held in the aggregator (for the rollout gate's cohort windows, up to 1 h). */
export const HOLD_MINUTES_MS = 2 * 3_600_000;
/** The flush runs this long after each minute boundary, once the minute has closed. */
export const FLUSH_DELAY_MS = 1_000;
/** A failed flush is retried this soon (the rows stay dirty, nothing is lost). */
export const FLUSH_RETRY_MS = 15_000;
/** With nothing dirty, the alarm still runs this often to prune and close WAF node hours. */
export const IDLE_ALARM_MS = 10 * 60_000;

const MINUTE_MS = 60_000;

/**
 * One per project: the only writer of `telemetry_minutes`, `waf_minutes` and `waf_node_hours`.
 * Node reports are merged into per-minute aggregates in the object's own SQLite storage (no D1
 * write per report); once a minute the alarm upserts the changed rows into D1 with their
 * absolute values. D1 write cost therefore follows the number of (service, bundle) pairs, not
 * the number of nodes.
 *
 * Invariants: a (node, interval_start) is counted at most once; a D1 row is only ever
 * overwritten with a newer total of the same bucket (flushes are serialised).
 */
export class TelemetryAggregatorDO extends DurableObject<Env> implements TelemetryAggregatorRpc {
  private readonly store = new AggregatorStore(this.ctx.storage.sql);
  /** Serialises flushes: an older total must never overwrite a newer one in D1. */
  private flushing: Promise<unknown> = Promise.resolve();
  /** The armed alarm time as far as this instance knows (undefined: not read yet). */
  private alarmAt: number | null | undefined;

  async ingest(
    projectId: string,
    nodeId: string,
    report: TelemetryReport,
    receivedAt: number,
  ): Promise<IngestOutcome> {
    if (report.intervalStart < receivedAt - DEDUPE_WINDOW_MS) {
      return { counted: false, reason: "too_old" };
    }
    if (this.store.getMeta("project_id") === null) {
      this.store.setMeta("project_id", projectId);
    }
    const expiresAt = Math.max(receivedAt, report.intervalStart) + DEDUPE_WINDOW_MS;
    // Node clocks are not trusted for placement: deltas count in the minute they arrive.
    const minute = bucketStart(receivedAt, "minute");
    const hour = bucketStart(receivedAt, "hour");
    const counted = this.ctx.storage.transactionSync(() => {
      if (!this.store.markSeen(nodeId, report.intervalStart, expiresAt)) {
        return false;
      }
      const byService = new Map<string, ReturnType<typeof zeroCounts>>();
      for (const delta of report.services) {
        byService.set(
          delta.service,
          addCounts(byService.get(delta.service) ?? zeroCounts(), deltaCounts(delta)),
        );
      }
      for (const [service, counts] of byService) {
        this.store.addMinute(service, report.bundleId, minute, counts);
      }
      let blocked = 0;
      let challenged = 0;
      for (const waf of report.waf) {
        this.store.addWaf(waf.service, waf.ruleId, minute, waf.blocked, waf.challenged);
        blocked += waf.blocked;
        challenged += waf.challenged;
      }
      if (blocked + challenged > 0) {
        this.store.addWafNode(nodeId, hour, blocked, challenged);
      }
      return true;
    });
    if (!counted) {
      return { counted: false, reason: "duplicate" };
    }
    await this.armBy(minute + MINUTE_MS + FLUSH_DELAY_MS);
    return { counted: true };
  }

  flush(): Promise<FlushResult> {
    const run = this.flushing.then(() => this.flushNow(Date.now()));
    this.flushing = run.catch(() => undefined);
    return run;
  }

  cohorts(service: string | null, bundleId: string, sinceMs: number): Promise<CohortCounts> {
    let updated = zeroCounts();
    let baseline = zeroCounts();
    for (const row of this.store.cohortRows(service, bucketStart(sinceMs, "minute"))) {
      if (row.bundleId === bundleId) {
        updated = addCounts(updated, row.counts);
      } else {
        baseline = addCounts(baseline, row.counts);
      }
    }
    return Promise.resolve({ updated, baseline });
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.alarmAt = null;
    try {
      await this.flush();
      this.store.prune(now, now - HOLD_MINUTES_MS);
    } catch (error) {
      createLogger("error").error("telemetry flush failed", { error: String(error) });
      await this.armBy(now + FLUSH_RETRY_MS);
      return;
    }
    if (this.store.hasDirty()) {
      await this.armBy(bucketStart(now, "minute") + MINUTE_MS + FLUSH_DELAY_MS);
    } else if (this.store.holdsData()) {
      await this.armBy(now + IDLE_ALARM_MS);
    }
  }

  /** Writes every dirty minute (and closed per-node WAF hours) to D1 in one batch. */
  private async flushNow(now: number): Promise<FlushResult> {
    const projectId = this.store.getMeta("project_id");
    if (projectId === null) {
      return { statements: 0, rows: 0 };
    }
    const minutes = this.store.dirtyMinutes();
    const waf = this.store.dirtyWaf();
    const currentHour = bucketStart(now, "hour");
    const wafNodes = this.store.closedWafNodes(currentHour);
    const db = this.env.DB;
    const statements = [
      ...minuteUpserts(db, projectId, minutes),
      ...wafUpserts(db, projectId, waf),
      ...wafNodeUpserts(db, projectId, wafNodes),
    ];
    if (statements.length === 0) {
      return { statements: 0, rows: 0 };
    }
    await db.batch(statements);
    this.store.markFlushed(minutes, waf, wafNodes.length > 0 ? currentHour : null);
    return { statements: statements.length, rows: minutes.length + waf.length + wafNodes.length };
  }

  /** Arms the alarm for `at` unless it is already armed earlier. */
  private async armBy(at: number): Promise<void> {
    if (this.alarmAt === undefined) {
      this.alarmAt = await this.ctx.storage.getAlarm();
    }
    if (this.alarmAt === null || this.alarmAt > at) {
      await this.ctx.storage.setAlarm(at);
      this.alarmAt = at;
    }
  }
}
