/**
 * # Rollout engine (pure core)
 *
 * `reduceRollout(rollout, event, now) → { rollout, commands, wakeAt, outcome }` is the whole
 * engine. The Durable Object shell only stores the state, reads observations, executes the
 * commands and arms its alarm for `wakeAt`. No I/O, no clock, no randomness here.
 *
 * ## Shell recipe
 * - Create: `planRollout` (409 on `node_conflict` with the ids), `createRollout`, persist the
 *   state (`toStored`), insert per-node rows (`pending`, planner `skipped`), run the commands,
 *   `setAlarm(wakeAt)`.
 * - Alarm: load the state, `observationScope(rollout)` → read exactly those nodes (+ baseline)
 *   and the bundle's revoked flag from D1 → `reduceRollout(rollout, {type:"tick", observations},
 *   now)`. Operator commands and node reports: `reduceRollout(rollout, event, now)` with no
 *   fleet read. After each call: persist the state (only `changedEntrySteps` + core), execute
 *   `commands` in order (all idempotent), then `setAlarm(wakeAt)` or `deleteAlarm()` when
 *   `wakeAt` is `null`. Map `outcome.refused` to 409/403/400; `ignored` is a 200 no-op.
 *
 * ## States × events
 * "—" ignored (state unchanged, no commands); "✗" refused (operator error, state unchanged).
 * Every cell is tested (`test/unit/rollout/matrix.test.ts`).
 *
 * System events:
 * | state            | tick                                                 | node_report | start |
 * |------------------|------------------------------------------------------|-------------|-------|
 * | pending_approval | revoked → failed; else —                             | —           | ✗     |
 * | scheduled        | revoked → failed; due → running; else —              | —           | D     |
 * | running          | revoked → fail (F); else step progress (below)       | node status | —     |
 * | paused           | revoked → fail (F); else —                           | node status | —     |
 * | rolling_back     | confirm; none left → rolled_back; deadline → failed  | —           | —     |
 * | terminal states  | —                                                    | —           | —     |
 *
 * Operator commands:
 * | state            | pause  | resume  | cancel | rollback | approve | reject | promote |
 * |------------------|--------|---------|--------|----------|---------|--------|---------|
 * | pending_approval | ✗      | ✗       | C      | ✗        | A       | J      | ✗       |
 * | scheduled        | ✗      | ✗       | C      | ✗        | ✗       | ✗      | ✗       |
 * | running          | paused | —       | C      | RB       | ✗       | ✗      | P       |
 * | paused           | —      | running | C      | RB       | ✗       | ✗      | ✗       |
 * | rolling_back     | ✗      | ✗       | ✗      | —        | ✗       | ✗      | ✗       |
 * | completed        | ✗      | ✗       | ✗      | RB       | ✗       | ✗      | ✗       |
 * | failed           | ✗      | ✗       | ✗      | RB       | ✗       | ✗      | ✗       |
 * | cancelled        | ✗      | ✗       | —      | RB*      | ✗       | ✗      | ✗       |
 * | rolled_back      | ✗      | ✗       | ✗      | —        | ✗       | ✗      | ✗       |
 *
 * - C: → `cancelled`; nodes that have not activated get their previous desired bundle back,
 *   nodes not reached are `skipped`.
 * - RB: → `rolling_back` (→ `rolled_back` at once when no node needs confirming). RB*: only
 *   when a node still holds the bundle, else ✗. From `failed` it retries an incomplete rollback.
 * - A: counts one approval per user; the creator is refused (403); at N approvals →
 *   `scheduled` (future `scheduled_at`) or `running`.
 * - J: needs a non-blank comment (else 400) → `cancelled` with `cancellation.kind: "rejected"`.
 * - P: a step `awaiting_promotion` (blue-green green cohort, canary without auto-promote) or a
 *   canary `analysing` (operator override, audited `skipped_analysis`) completes; else ✗.
 * - F: fail → `rolling_back` with `auto_rollback` (if any node holds the bundle), else `failed`.
 * - D: due → `running`; before `scheduled_at` —.
 * - `resume` shifts the step's deadline, bake and analysis clocks by the pause.
 *
 * ## A running step
 * `starting` (next tick assigns every node of the step, recording each node's previous bundle
 * from its observation) → `deploying` (until `max(1, n − max_unavailable)` nodes are active and
 * pass every gate on a fresh heartbeat that reports the bundle; fails at
 * `progress_deadline_seconds`) → `baking` (`bake_seconds`, gates still watched; fails if not
 * healthy by deadline + bake) → strategy:
 * - rolling / all_at_once: next step.
 * - canary (every cohort but the last): `analysing`, collecting canary and baseline heartbeat
 *   samples; after `analysis_window_seconds` one look: z-test on errors and Mann–Whitney on
 *   latency at `confidence`; pass → next cohort (or `awaiting_promotion` if not auto-promoted),
 *   fail → failed; too little data → hold, then fail at `max_analysis_seconds`.
 * - blue_green: green cohort → `awaiting_promotion` until `promote` (or promoted automatically
 *   after the bake with `blue_green.auto_promote`), then the rest.
 * On every tick: more than `max_unavailable` failed nodes → failed at once; failed + gate-failing
 * nodes above `max_unavailable` for `gate_failure_seconds` → failed. A failure rolls back when
 * `auto_rollback` (every touched node gets its previous bundle with `rollback: true`; nodes with
 * none are unassigned), else the rollout stays `failed`. A revoked bundle fails the rollout and
 * withdraws it from nodes that have not activated it.
 *
 * ## Size
 * The plan is node ids per step; per-node state is a small entry per started node, in arrays
 * aligned with the plan, so a tick copies only the current step's array: O(step size).
 */

export { assertNever } from "../assert";
export type { CanaryAnalysisInput } from "./canary";
export { analyzeCanary, collectSamples, NO_SAMPLES } from "./canary";
export type {
  AuditAction,
  NodeStatusUpdate,
  Outcome,
  ReduceResult,
  RolloutCommand,
  RolloutCommandType,
  RolloutEventName,
  RolloutSummary,
  StepState,
  StepSummary,
} from "./commands";
export type { CreateRolloutInput } from "./create";
export { createRollout, DEFAULT_HEARTBEAT_INTERVAL_SECONDS } from "./create";
export * from "./early-tick";
export type {
  HealthStatus,
  NodeMetrics,
  NodeObservation,
  NodeReport,
  NodeReportKind,
  Observations,
  RolloutEvent,
  RolloutEventType,
} from "./events";
export { EMPTY_OBSERVATIONS, ROLLOUT_EVENT_TYPES } from "./events";
export type { GateContext, GateVerdict } from "./gates";
export {
  evaluateNodeGates,
  HEARTBEAT_FRESHNESS_INTERVALS,
  isFresh,
  maxHeartbeatAgeMs,
} from "./gates";
export type {
  CandidateNode,
  PlanError,
  PlanErrorCode,
  PlanResult,
  PlanRolloutInput,
  SkippedNode,
  SkipReason,
} from "./planner";
export { batchSize, canaryEnds, greenCohortSize, planRollout, stepEnds } from "./planner";
export { nextWakeAt, PAUSED_TICK_INTERVAL_MS, reduceRollout, TICK_INTERVAL_MS } from "./reducer";
export { ROLLBACK_WINDOW_NODES, rollbackWindow } from "./rollback";
export type { ObservationScope } from "./scope";
export { MAX_BASELINE_NODES, MIN_BASELINE_NODES, observationScope } from "./scope";
export type {
  BlueGreenSpec,
  CanarySpec,
  HealthGates,
  RolloutSpec,
  RolloutSpecInput,
  RolloutStrategy,
  SpecProblem,
} from "./spec";
export {
  DEFAULT_BLUE_GREEN,
  DEFAULT_CANARY,
  DEFAULT_HEALTH_GATES,
  DEFAULT_SPEC_SCALARS,
  MAX_LATENCY_SAMPLES_PER_COHORT,
  ROLLOUT_STRATEGIES,
  resolveRolloutSpec,
  validateRolloutSpec,
} from "./spec";
export type { RolloutCore, StoredRollout } from "./storage";
export { changedEntrySteps, fromStored, toStored } from "./storage";
export { nodeStatusAt, summarize } from "./summary";
export type {
  AnalysisProgress,
  Approval,
  CanaryAnalysis,
  CanaryNumbers,
  CanaryVerdict,
  Cancellation,
  CohortSamples,
  FailureReason,
  NodeCounts,
  NodeEntry,
  NodeStatus,
  RollbackCause,
  RollbackProgress,
  Rollout,
  RolloutBase,
  RolloutError,
  RolloutIn,
  RolloutStateName,
  StepPhase,
  StepProgress,
} from "./types";
export {
  ACTIVE_ROLLOUT_STATES,
  isActiveRolloutState,
  MAX_ERROR_NODE_IDS,
  NODE_STATUSES,
  ROLLOUT_STATE_VERSION,
  ROLLOUT_STATES,
  TERMINAL_ROLLOUT_STATES,
} from "./types";
