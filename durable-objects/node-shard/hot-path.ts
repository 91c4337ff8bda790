/**
 * The node write path inside a node shard: heartbeats are merged into the shard's SQLite
 * storage and acknowledged once stored; the alarm flushes changed rows to D1 in coalesced
 * batches; the rollout engine reads fresh heartbeats from here instead of D1.
 *
 * Invariants:
 * - A heartbeat's merge (read record, merge, write record) has no await inside, so two
 *   heartbeats of one node never interleave, and a flush in flight (awaiting D1) sees later
 *   merges through the record's revision (`completeFlush`).
 * - The reply to `heartbeat()` leaves only after the write is durable (the output gate), so an
 *   acknowledged heartbeat survives an eviction or crash of the shard.
 * - One alarm: the next flush (`nextFlushAt`). A failing flush throws so the platform retries
 *   with backoff, up to MAX_ALARM_RETRIES; after that it is logged and re-armed for later. The
 *   rows stay stored and due meanwhile; nothing is dropped.
 */
import {
  applyReportWrite,
  type FlushPolicy,
  type FlushStats,
  type HeartbeatObservation,
  mergeHeartbeat,
  nextFlushAt,
  type ShardHeartbeat,
  type ShardHeartbeatAck,
  type ShardReportWrite,
} from "../../src/domain/node-hot";
import type { EventInput } from "../../src/services/audit";
import type { Logger } from "../../src/services/logger";
import { type AlarmAttempt, retriesExhausted } from "../rollout/alarm";
import { flushDue } from "./flush";
import { HotStore } from "./hot-store";

/** Next attempt after a flush failed past its retries. */
export const FAILED_FLUSH_REARM_MS = 60_000;

/** What the hot path needs from its Durable Object. */
export interface HotPathDeps {
  readonly storage: DurableObjectStorage;
  readonly d1: D1Database;
  readonly policy: FlushPolicy;
  readonly offlineAfterMs: number;
  readonly emit: (events: EventInput[]) => Promise<void>;
  readonly logger: Logger;
  readonly now: () => number;
}

/** Options of {@link HotPath.flush}. */
export interface FlushOptions {
  /** Write every pending row now, due or not (tests, benchmarks, draining a shard). */
  readonly all?: boolean;
  /** Another D1 handle (the benchmark's statement counter). */
  readonly d1?: D1Database;
}

/** The write path of one shard (composed into the shard's Durable Object). */
export class HotPath {
  private readonly store: HotStore;
  /** The alarm this object armed (undefined: not known since the object started). */
  private armedAt: number | null | undefined;
  private lastStats: FlushStats | null = null;
  /** Flushes run one at a time: two concurrent ones would both take the same rows. */
  private flushing: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: HotPathDeps) {
    this.store = new HotStore(deps.storage.sql, deps.policy);
  }

  /** Merges and stores one heartbeat; resolves once stored (the caller then acknowledges). */
  async heartbeat(hb: ShardHeartbeat): Promise<ShardHeartbeatAck> {
    const merged = mergeHeartbeat(
      hb.nodeId,
      this.store.get(hb.nodeId),
      hb.baseline,
      hb.input,
      hb.at,
    );
    this.store.put(merged.node);
    await this.arm(hb.at);
    return { previous: merged.previous, changed: merged.changed };
  }

  /** Takes over what a bundle report wrote to D1 (nothing to do if the shard has no record). */
  report(report: ShardReportWrite): void {
    const node = this.store.get(report.nodeId);
    if (node !== null) {
      this.store.put(applyReportWrite(node, report.write));
    }
  }

  /** The latest heartbeat of each listed node the shard has heard from. */
  observe(nodeIds: readonly string[]): HeartbeatObservation[] {
    const out: HeartbeatObservation[] = [];
    for (const node of this.store.getMany(nodeIds)) {
      const hb = node.lastHeartbeat;
      if (hb !== null) {
        out.push({
          nodeId: node.nodeId,
          at: hb.at,
          activeBundleId: hb.activeBundleId,
          stagedBundleId: hb.stagedBundleId,
          health: hb.health === null ? null : JSON.stringify(hb.health),
          metrics: hb.metrics === null ? null : JSON.stringify(hb.metrics),
        });
      }
    }
    return out;
  }

  /** The flush alarm (see the invariants above). */
  async alarm(info?: AlarmAttempt): Promise<void> {
    this.armedAt = null;
    try {
      await this.flush();
    } catch (err) {
      if (!retriesExhausted(info)) {
        throw err;
      }
      this.deps.logger.error("node shard flush failed; retrying later", {
        error: String(err),
        retries: info?.retryCount ?? 0,
      });
      await this.setAlarm(this.deps.now() + FAILED_FLUSH_REARM_MS);
    }
  }

  /** Flushes what is due now (the alarm; tests and benchmarks); returns what it wrote. */
  flush(opts: FlushOptions = {}): Promise<FlushStats> {
    const run = this.flushing.then(async () => {
      const now = this.deps.now();
      const stats = await flushDue(
        {
          store: this.store,
          d1: opts.d1 ?? this.deps.d1,
          policy: this.deps.policy,
          offlineAfterMs: this.deps.offlineAfterMs,
          emit: (events) =>
            this.deps.emit(events).catch((err: unknown) => {
              this.deps.logger.error("node.online events not emitted", { error: String(err) });
            }),
        },
        now,
        opts.all === true ? Number.MAX_SAFE_INTEGER : now,
      );
      this.lastStats = stats;
      await this.rearm();
      return stats;
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Diagnostics: records held, the next due row, the armed alarm, the last flush. */
  async debug(): Promise<{
    records: number;
    earliestDue: number | null;
    alarm: number | null;
    lastFlushAt: number | null;
    lastFlush: FlushStats | null;
  }> {
    return {
      records: this.store.count(),
      earliestDue: this.store.earliestDue(),
      alarm: await this.deps.storage.getAlarm(),
      lastFlushAt: this.store.meta("last_flush_at"),
      lastFlush: this.lastStats,
    };
  }

  /** Arms the alarm for the next flush unless an earlier one is already armed. */
  private async arm(now: number): Promise<void> {
    const wanted = nextFlushAt({
      earliestDue: this.store.earliestDue(),
      lastFlushAt: this.store.meta("last_flush_at"),
      now,
      policy: this.deps.policy,
    });
    if (wanted === null) {
      return;
    }
    if (this.armedAt === undefined) {
      this.armedAt = await this.deps.storage.getAlarm();
    }
    if (this.armedAt === null || this.armedAt > wanted) {
      await this.setAlarm(wanted);
    }
  }

  /** After a flush: the alarm is exactly the next flush (or none when nothing is pending). */
  private async rearm(): Promise<void> {
    const now = this.deps.now();
    const wanted = nextFlushAt({
      earliestDue: this.store.earliestDue(),
      lastFlushAt: this.store.meta("last_flush_at"),
      now,
      policy: this.deps.policy,
    });
    if (wanted === null) {
      await this.deps.storage.deleteAlarm();
      this.armedAt = null;
    } else if (wanted !== this.armedAt) {
      await this.setAlarm(wanted);
    }
  }

  private async setAlarm(at: number): Promise<void> {
    await this.deps.storage.setAlarm(at);
    this.armedAt = at;
  }
}
