/**
 * Pure steps between the reducer and storage: what a reduction commits (meta fields, outbox
 * work), how a start held back by a freeze window is recorded, and the work that records an
 * engine failure. RolloutDO only wires these to storage and D1.
 */
import type { Actor } from "../../src/auth/principal";
import type { JsonObject } from "../../src/domain/json";
import type { Outcome, ReduceResult, Rollout, RolloutEvent } from "../../src/domain/rollout";
import { summarize } from "../../src/domain/rollout";
import { ENGINE_ACTOR } from "../../src/rpc/rollout";
import type { FreezeWindowRef } from "../../src/services/rollout-queries";
import { nextTickNeedsWrite, tickAt } from "./alarm";
import type { ShellMeta } from "./storage";
import { type CompileContext, compileCommands, type D1Write, type WorkItem } from "./work";

/** Who issued the event being applied (`actor: null`: the engine itself). */
export interface Caller {
  readonly actor: Actor | null;
  readonly requestId: string | null;
}

/** The engine as caller (ticks, node reports). */
export const ENGINE_CALLER: Caller = { actor: null, requestId: null };

/** What to commit for one event. */
export interface Commit {
  readonly patch: Partial<ShellMeta>;
  readonly work: WorkItem[];
}

/**
 * The audit actor for an actor id in a command. The reducer attributes every transition to the
 * event's actor or to `"system"`; any other id is recorded as a system actor with that id.
 */
export function actorResolver(caller: Caller): (id: string) => Actor {
  return (id) => {
    if (caller.actor && id === caller.actor.id) {
      return caller.actor;
    }
    return id === "system" ? ENGINE_ACTOR : { type: "system", id, label: "rollout engine" };
  };
}

/** A compile context for a reduction at `now`. */
export function compileContext(
  caller: Caller,
  now: number,
  nextTickAt: number | null,
  writeNextTick: boolean,
  extra: Partial<CompileContext> = {},
): CompileContext {
  return {
    actorFor: actorResolver(caller),
    requestId: caller.requestId,
    nextTickAt,
    writeNextTick,
    error: null,
    now,
    ...extra,
  };
}

/** Whether a reduction starts the rollout (the transition a freeze window holds back). */
export function startsRollout(before: Rollout, after: Rollout): boolean {
  return (
    after.state === "running" &&
    (before.state === "scheduled" || before.state === "pending_approval")
  );
}

/** The refusal of an operator start (approval, start) during a freeze window. */
export function frozenOutcome(window: FreezeWindowRef): Outcome {
  const until = new Date(window.endsAt).toISOString();
  return {
    kind: "refused",
    code: "invalid_state",
    message: `freeze window "${window.name}" (${window.id}) is active until ${until}`,
  };
}

/**
 * A due scheduled start held back by a freeze window: the state stays `scheduled`, the alarm
 * moves to the window's end, and the deferral is announced once per window.
 */
export function deferStart(
  rollout: Rollout,
  meta: ShellMeta,
  window: FreezeWindowRef,
  now: number,
): Commit {
  const until = new Date(window.endsAt).toISOString();
  const work: WorkItem[] =
    meta.deferredBy === window.id
      ? []
      : [
          {
            kind: "audit",
            entry: null,
            requestId: null,
            events: [
              {
                type: "rollout.start_deferred",
                severity: "info",
                payload: {
                  rollout_id: rollout.id,
                  bundle_id: rollout.bundleId,
                  freeze_window_id: window.id,
                  freeze_window_name: window.name,
                  deferred_until: until,
                },
              },
            ],
          },
        ];
  return {
    patch: { lastTickAt: now, deferredUntil: window.endsAt, deferredBy: window.id },
    work,
  };
}

/**
 * The commit of a reduction: meta fields (tick time, wake time, what D1's `next_tick_at` says,
 * deferral cleared once the rollout left `scheduled`), and the work compiled from its commands
 * plus the shell's own writes (approval rows; rewriting a row that shows an engine failure).
 */
export function planCommit(input: {
  readonly before: Rollout;
  readonly result: ReduceResult;
  readonly event: RolloutEvent;
  readonly caller: Caller;
  readonly meta: ShellMeta;
  readonly now: number;
}): Commit {
  const { result, event, meta, now } = input;
  const after = result.rollout;
  const patch: Partial<ShellMeta> = {
    wakeAt: result.wakeAt,
    engineError: false,
    ...(event.type === "tick" ? { lastTickAt: now } : {}),
    ...(after.state === "scheduled" ? {} : { deferredUntil: null, deferredBy: null }),
  };
  const nextTick = tickAt({ ...meta, ...patch, now });
  const summary = summarize(after);
  const writesRow = result.commands.some((c) => c.type === "persist_rollout");
  const writeNextTick = nextTickNeedsWrite(meta.nextTickWritten, nextTick);
  const extraWrites: D1Write[] = [];
  if (result.outcome.kind === "applied" && (event.type === "approve" || event.type === "reject")) {
    extraWrites.push({
      op: "approval",
      id: crypto.randomUUID(),
      actorId: event.userId,
      decision: event.type,
      comment: event.comment ?? null,
      at: now,
    });
  }
  const live = liveAnalysisWrite(input.before, after, result);
  if (live) {
    extraWrites.push(live);
  }
  if (meta.engineError && !writesRow) {
    extraWrites.push({ op: "rollout", summary, nextTickAt: nextTick });
  }
  const work = compileCommands(
    result.commands,
    compileContext(input.caller, now, nextTick, writeNextTick, {
      error: summary.error,
      extraWrites,
    }),
  );
  const rewritten = writesRow || writeNextTick || meta.engineError;
  return {
    patch: { ...patch, nextTickWritten: rewritten ? nextTick : meta.nextTickWritten },
    work,
  };
}

/**
 * While a canary cohort is analysed the reducer updates its interim verdict ("collecting data",
 * counts, p-values) on every tick without a step transition; the shell writes it to the step
 * row so operators watch the analysis as it goes. One statement per analysing tick.
 */
function liveAnalysisWrite(before: Rollout, after: Rollout, result: ReduceResult): D1Write | null {
  if (after.state !== "running" || after.step.phase !== "analysing") {
    return null;
  }
  const step = after.step;
  const last = step.analysis.last;
  const unchanged = before.state === "running" && before.step === step;
  const persisted = result.commands.some(
    (c) => c.type === "persist_step" && c.step.index === step.index,
  );
  if (last === null || unchanged || persisted) {
    return null;
  }
  return {
    op: "step",
    step: {
      index: step.index,
      state: "analysing",
      nodeCount: after.plan[step.index]?.length ?? 0,
      startedAt: step.assignedAt,
      finishedAt: null,
      analysis: last,
    },
    error: null,
  };
}

/**
 * The work recording an engine failure: the error on the rollouts row (cleared by the next
 * successful write of the row) and a critical `rollout.tick_failed` event.
 */
export function engineFailureWork(
  rolloutId: string,
  message: string,
  retryCount: number,
  now: number,
): WorkItem[] {
  const error: JsonObject = {
    reason: "engine_error",
    message: `the rollout engine failed ${retryCount + 1} times in a row: ${message}`,
    step_index: null,
    node_ids: [],
    details: { retry_count: retryCount, failed_at: new Date(now).toISOString() },
  };
  return [
    { kind: "d1", writes: [{ op: "engine_error", error, at: now }] },
    {
      kind: "audit",
      entry: null,
      requestId: null,
      events: [
        {
          type: "rollout.tick_failed",
          severity: "critical",
          payload: { rollout_id: rolloutId, error: message, retry_count: retryCount },
        },
      ],
    },
  ];
}
