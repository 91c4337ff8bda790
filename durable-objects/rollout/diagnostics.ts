import { summarize } from "../../src/domain/rollout";
import type { RolloutDebugState, TickStats } from "../../src/rpc/rollout";
import type { Logger } from "../../src/services/logger";
import { FAILED_ALARM_REARM_MS } from "./alarm";
import { type ExecuteContext, runWorkItem } from "./execute";
import type { RolloutStore, ShellMeta } from "./storage";
import { engineFailureWork } from "./transition";

/** The debug view of a rollout's Durable Object (tests, support). */
export async function debugState(
  store: RolloutStore,
  storage: DurableObjectStorage,
  lastTick: TickStats | null,
): Promise<RolloutDebugState> {
  const loaded = store.load();
  const summary = loaded ? summarize(loaded.rollout) : null;
  return {
    state: summary?.state ?? null,
    stepIndex: summary?.stepIndex ?? null,
    stepPhase: summary?.stepPhase ?? null,
    rolloutJson: loaded ? JSON.stringify(loaded.rollout) : null,
    projectId: loaded?.meta.projectId ?? null,
    alarmAt: await storage.getAlarm(),
    pendingWork: store.pendingWork().length,
    lastTickAt: loaded?.meta.lastTickAt ?? null,
    deferredUntil: loaded?.meta.deferredUntil ?? null,
    lastTick,
  };
}

/** What recording an engine failure needs from the shell. */
export interface EngineFailureDeps {
  store: RolloutStore;
  storage: DurableObjectStorage;
  logger: Logger;
  now: number;
  executeContext(meta: ShellMeta): ExecuteContext;
}

/**
 * Records a failure the alarm's retries did not fix (error on the rollouts row, a critical
 * `rollout.tick_failed` event), then re-arms the alarm for later instead of retrying forever.
 */
export async function recordEngineFailure(
  deps: EngineFailureDeps,
  err: unknown,
  retryCount: number,
): Promise<void> {
  const message = err instanceof Error ? err.message : String(err);
  const meta = deps.store.loadMeta();
  deps.logger.error("rollout tick failed after retries", {
    rollout_id: meta?.rolloutId ?? null,
    retry_count: retryCount,
    error: message,
  });
  try {
    if (meta) {
      deps.store.markEngineError();
      const ctx = deps.executeContext(meta);
      // Run directly, not through the outbox: the outbox may be what keeps failing.
      for (const item of engineFailureWork(meta.rolloutId, message, retryCount, deps.now)) {
        await runWorkItem(ctx, item);
      }
    }
  } catch (recordErr) {
    deps.logger.error("could not record the rollout engine failure", {
      rollout_id: meta?.rolloutId ?? null,
      error: String(recordErr),
    });
  }
  await deps.storage.setAlarm(deps.now + FAILED_ALARM_REARM_MS);
}
