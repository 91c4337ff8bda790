import { DurableObject } from "cloudflare:workers";
import { type Outcome, type RolloutEvent, reportWakesTick } from "../src/domain/rollout";
import { type Env, loadConfig } from "../src/env";
import type {
  CommandRequest,
  CommandResult,
  CreateRolloutRequest,
  CreateRolloutResult,
  NodeReport,
  RolloutDebugState,
  RolloutRpc,
  TickStats,
} from "../src/rpc/rollout";
import { commentOf } from "../src/rpc/rollout";
import type { Clock } from "../src/services";
import { createAuditService } from "../src/services/audit";
import { createLogger, type Logger } from "../src/services/logger";
import { pushOffers } from "../src/services/push";
import { alarmAt, retriesExhausted, tickAt } from "./rollout/alarm";
import { type Applied, applyEvent } from "./rollout/apply";
import { createStoredRollout } from "./rollout/create";
import { debugState, recordEngineFailure } from "./rollout/diagnostics";
import { type ExecuteContext, runWorkItem } from "./rollout/execute";
import { type Loaded, RolloutStore, type ShellMeta } from "./rollout/storage";
import { readTick } from "./rollout/tick-read";
import { type Caller, ENGINE_CALLER } from "./rollout/transition";

const systemClock: Clock = { now: () => Date.now() };

/**
 * One instance per rollout (`idFromName(rollout id)`): a thin shell over the pure reducer in
 * src/domain/rollout. Modules: storage.ts (state in the SQLite-backed synchronous KV API,
 * split so a tick rewrites one step), observe.ts (the tick's D1 read), work.ts + execute.ts
 * (the reducer's commands as a durable outbox of D1 batches and audit appends), alarm.ts (one
 * multiplexed alarm), transition.ts (what a reduction commits), apply.ts (reduce + freeze
 * window + commit), tick-read.ts (a tick's reads), create.ts (creation).
 *
 * Invariants:
 * - Every entry point that reads or changes state runs through `serial`: D1 awaits open the
 *   input gate, and an operator command interleaved with a tick would otherwise overwrite the
 *   tick's state (or the reverse).
 * - A transition is committed together with its work before any of it runs; the work runs in
 *   order, each item deleted once done, and whatever failed is retried (alarm, or the next
 *   command, which finishes earlier work first). Every item is idempotent.
 * - Time is `Date.now()` at each event (the reducer never reads a clock). The tests move time
 *   with vitest's fake `Date`, which the routes and this object share in workerd.
 * - Freeze windows hold back starts: an approval or `start` that would start the rollout
 *   during a window is refused; a due scheduled start waits, still `scheduled`, until the
 *   window ends (the alarm moves to its end; the deferral is announced once per window).
 */
export class RolloutDO extends DurableObject<Env> implements RolloutRpc {
  private readonly store = new RolloutStore(this.ctx.storage);
  private readonly clock: Clock = systemClock;
  private queue: Promise<unknown> = Promise.resolve();
  private lastTick: TickStats | null = null;
  private loggerCache: Logger | null = null;

  // ------------------------------------------------------------------ RPC: creation

  /** Stores a planned rollout, writes its D1 rows (atomic node-conflict check) and arms it. */
  create(req: CreateRolloutRequest): Promise<CreateRolloutResult> {
    return this.serial(async () => {
      const result = await createStoredRollout(this.store, this.env.DB, req, this.clock.now());
      if (result.kind === "created") {
        await this.finish();
      }
      return result;
    });
  }

  // ------------------------------------------------------------------ RPC: operator commands

  /** Starts a scheduled rollout whose time has come (refused during a freeze window). */
  start(req: CommandRequest): Promise<CommandResult> {
    return this.command({ type: "start", actor: req.actor.id }, req);
  }

  /** Pauses a running rollout. */
  pause(req: CommandRequest): Promise<CommandResult> {
    return this.command({ type: "pause", actor: req.actor.id }, req);
  }

  /** Resumes a paused rollout; its step's clocks are shifted by the pause. */
  resume(req: CommandRequest): Promise<CommandResult> {
    return this.command({ type: "resume", actor: req.actor.id }, req);
  }

  /** Cancels: no further steps; nodes that did not activate get their previous bundle back. */
  cancel(req: CommandRequest): Promise<CommandResult> {
    return this.command({ type: "cancel", actor: req.actor.id, reason: commentOf(req) }, req);
  }

  /** Rolls every touched node back to its previous bundle. */
  rollback(req: CommandRequest): Promise<CommandResult> {
    return this.command({ type: "rollback", actor: req.actor.id, reason: commentOf(req) }, req);
  }

  /** Approves (never by the creator); the last approval starts or schedules the rollout. */
  approve(req: CommandRequest): Promise<CommandResult> {
    return this.command({ type: "approve", userId: req.actor.id, comment: commentOf(req) }, req);
  }

  /** Rejects with a comment: the rollout is cancelled. */
  reject(req: CommandRequest): Promise<CommandResult> {
    return this.command(
      { type: "reject", userId: req.actor.id, comment: commentOf(req) ?? "" },
      req,
    );
  }

  /** Promotes a step awaiting promotion, or overrides a running canary analysis. */
  promote(req: CommandRequest): Promise<CommandResult> {
    return this.command({ type: "promote", actor: req.actor.id }, req);
  }

  // ------------------------------------------------------------------ RPC: system

  /**
   * A node report forwarded by the node API (at-least-once, unordered). Explicit reports go to
   * the reducer; a report from a node the next tick observes brings that tick forward
   * (`reportWakesTick`; at most one tick per MIN_TICK_GAP_MS), since the tick reads the same
   * facts from D1.
   */
  onNodeReport(report: NodeReport): Promise<void> {
    return this.serial(async () => {
      let loaded = this.store.load();
      if (!loaded) {
        return;
      }
      if (report.kind !== "heartbeat" && report.bundleId !== null) {
        const event: RolloutEvent = {
          type: "node_report",
          report: {
            nodeId: report.nodeId,
            bundleId: report.bundleId,
            kind: report.kind,
            at: report.at,
            error: report.error ?? null,
          },
        };
        await this.transition(loaded, event, ENGINE_CALLER);
        loaded = this.store.load() ?? loaded;
      }
      const now = this.clock.now();
      if (reportWakesTick(loaded.rollout, report.nodeId) && (loaded.meta.wakeAt ?? now) > now) {
        this.store.patchMeta({ wakeAt: now });
      }
      await this.finish();
    });
  }

  /**
   * Cron watchdog (`RolloutWatchdogTarget`): re-arms a lost alarm. An overdue tick is armed for
   * now, so it runs at once. Idempotent.
   */
  ensureAlarm(): Promise<void> {
    return this.serial(async () => {
      const loaded = this.store.load();
      if (!loaded) {
        return;
      }
      const wanted = this.wantedAlarm(loaded.meta, this.clock.now());
      const current = await this.ctx.storage.getAlarm();
      if (wanted !== null && (current === null || current > wanted)) {
        await this.ctx.storage.setAlarm(wanted);
      }
    });
  }

  /**
   * Runs one tick now, whatever the alarm says. Used when the rollout's bundle is revoked:
   * rollouts awaiting approval have no alarm and must still fail safely.
   */
  tick(): Promise<void> {
    return this.serial(async () => {
      await this.drain();
      const loaded = this.store.load();
      if (loaded) {
        await this.runTick(loaded);
      }
    });
  }

  /** Debug view for tests and support. */
  getState(): Promise<RolloutDebugState> {
    return debugState(this.store, this.ctx.storage, this.lastTick);
  }

  // ------------------------------------------------------------------ alarm

  /**
   * The multiplexed alarm: finish outbox work, then tick when one is due. A failure is thrown
   * (the platform retries with backoff) until MAX_ALARM_RETRIES; after that it is recorded on
   * the rollout (error + `rollout.tick_failed` event) and the alarm is re-armed for later.
   */
  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    await this.serial(async () => {
      try {
        await this.drain();
        const loaded = this.store.load();
        if (!loaded) {
          return;
        }
        const due = tickAt({ ...loaded.meta, now: this.clock.now() });
        if (due !== null && due <= this.clock.now()) {
          await this.runTick(loaded);
        } else {
          await this.arm();
        }
      } catch (err) {
        if (!retriesExhausted(info)) {
          throw err;
        }
        const deps = {
          store: this.store,
          storage: this.ctx.storage,
          logger: this.logger,
          now: this.clock.now(),
          executeContext: (meta: ShellMeta) => this.executeContext(meta),
        };
        await recordEngineFailure(deps, err, info?.retryCount ?? 0);
      }
    });
  }

  // ------------------------------------------------------------------ internals

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private get logger(): Logger {
    if (!this.loggerCache) {
      const level = loadConfig(this.env).LOG_LEVEL;
      this.loggerCache = createLogger(level, { component: "rollout-do" });
    }
    return this.loggerCache;
  }

  private executeContext(meta: ShellMeta): ExecuteContext {
    return {
      d1: this.env.DB,
      clock: this.clock,
      audit: createAuditService(this.env, () => this.clock.now()),
      projectId: meta.projectId,
      orgId: meta.orgId,
      rolloutId: meta.rolloutId,
      desiredChanged: (nodeIds) => this.announce(meta.projectId, nodeIds),
    };
  }

  /**
   * Tells the push shards of `nodeIds` that their desired bundle changed (batch opened, node
   * assigned, rollback or cancel restoring the previous bundle). Not awaited by the engine: a
   * push never delays or fails a tick, and a lost one is caught by the node's next poll.
   */
  private announce(projectId: string, nodeIds: readonly string[]): void {
    const shardCount = loadConfig(this.env).NODE_SHARD_COUNT;
    this.ctx.waitUntil(
      pushOffers(this.env.NODE_SHARDS, shardCount, projectId, nodeIds).then((r) => {
        if (r.failedShards > 0) {
          this.logger.warn("push to node shards failed", {
            project_id: projectId,
            failed_shards: r.failedShards,
          });
        }
      }),
    );
  }

  private wantedAlarm(meta: ShellMeta, now: number): number | null {
    return alarmAt({ ...meta, outboxPending: this.store.pendingWork().length > 0, now });
  }

  /**
   * Runs every waiting work item in order; each is deleted once it succeeded. Needs only the
   * shell fields, so work still drains when the rollout state itself cannot be read.
   */
  private async drain(): Promise<number> {
    const meta = this.store.loadMeta();
    let statements = 0;
    if (!meta) {
      return statements;
    }
    const ctx = this.executeContext(meta);
    for (const [key, item] of this.store.pendingWork()) {
      statements += await runWorkItem(ctx, item);
      this.store.finishWork(key);
    }
    return statements;
  }

  /** Arms the one alarm for the next tick or outbox retry (or clears it). */
  private async arm(): Promise<void> {
    const loaded = this.store.load();
    const wanted = loaded ? this.wantedAlarm(loaded.meta, this.clock.now()) : null;
    if (wanted === null) {
      await this.ctx.storage.deleteAlarm();
    } else {
      await this.ctx.storage.setAlarm(wanted);
    }
  }

  /** Runs the outbox, then arms the alarm whatever happened (a failure is retried from it). */
  private async finish(): Promise<number> {
    try {
      return await this.drain();
    } finally {
      await this.arm();
    }
  }

  private command(event: RolloutEvent, req: CommandRequest): Promise<CommandResult> {
    return this.serial(async () => {
      // Earlier work first, so effects reach D1 and the audit log in transition order.
      await this.finish();
      const loaded = this.store.load();
      if (!loaded) {
        const outcome: Outcome = {
          kind: "refused",
          code: "invalid_state",
          message: "no rollout here",
        };
        return { outcome, state: null };
      }
      const { outcome } = await this.transition(loaded, event, req);
      await this.finish();
      return { outcome, state: (this.store.load() ?? loaded).rollout.state };
    });
  }

  /** Applies one event at the clock's time (apply.ts). The caller runs `finish()` afterwards. */
  private transition(loaded: Loaded, event: RolloutEvent, caller: Caller): Promise<Applied> {
    return applyEvent(this.env.DB, this.store, loaded, event, caller, this.clock.now());
  }

  /** One tick: read the observation scope (D1 and the node shards), reduce, commit, run the work. */
  private async runTick(loaded: Loaded): Promise<void> {
    const startedAt = performance.now();
    const shardCount = loadConfig(this.env).NODE_SHARD_COUNT;
    const deps = { env: this.env, shardCount, logger: this.logger };
    const read = await readTick(deps, loaded, this.clock);
    const { reduceMs } = await this.transition(
      loaded,
      { type: "tick", observations: read.observations },
      ENGINE_CALLER,
    );
    const writeStatements = await this.finish();
    this.lastTick = {
      readStatements: read.statements,
      writeStatements,
      observedNodes: read.observedNodes,
      reduceMs,
      totalMs: performance.now() - startedAt,
    };
  }
}
