import type { JsonObject } from "../json";
import type { RolloutSpec } from "./spec";

/** Version of the persisted rollout JSON; bump on any incompatible change of these types. */
export const ROLLOUT_STATE_VERSION = 1;

/** Rollout states, as in `api.md`. */
export const ROLLOUT_STATES = [
  "pending_approval",
  "scheduled",
  "running",
  "paused",
  "completed",
  "failed",
  "cancelled",
  "rolling_back",
  "rolled_back",
] as const;

/** A rollout state name. */
export type RolloutStateName = (typeof ROLLOUT_STATES)[number];

/**
 * States in which a rollout holds its target nodes: a node may be in at most one rollout in
 * one of these states (the planner's conflict check).
 */
export const ACTIVE_ROLLOUT_STATES = [
  "pending_approval",
  "scheduled",
  "running",
  "paused",
  "rolling_back",
] as const satisfies readonly RolloutStateName[];

/** States a rollout never leaves on its own (only a manual `rollback` starts again). */
export const TERMINAL_ROLLOUT_STATES = [
  "completed",
  "failed",
  "cancelled",
  "rolled_back",
] as const satisfies readonly RolloutStateName[];

/** Whether a rollout in `state` holds its nodes (see {@link ACTIVE_ROLLOUT_STATES}). */
export function isActiveRolloutState(state: RolloutStateName): boolean {
  return (ACTIVE_ROLLOUT_STATES as readonly RolloutStateName[]).includes(state);
}

/** Per-node states within a rollout, as in `api.md`. */
export const NODE_STATUSES = [
  "pending",
  "assigned",
  "staged",
  "active",
  "verified",
  "failed",
  "skipped",
  "rolled_back",
] as const;

/** A node's state within a rollout. */
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** Node counts per status; `pending` covers nodes of steps that have not started. */
export type NodeCounts = Readonly<Record<NodeStatus, number>>;

/**
 * What the rollout knows about one node of a started step. Nodes of steps that have not started
 * have no entry and are `pending` (or `skipped` once the rollout ended).
 */
export interface NodeEntry {
  readonly status: Exclude<NodeStatus, "pending">;
  /**
   * The bundle to restore on rollback, as an index into `Rollout.bundles` (interned: a fleet has
   * few distinct previous bundles); `null` when the node had none, and rollback unassigns it.
   */
  readonly prev: number | null;
  /** When `status` last changed (epoch ms). */
  readonly since: number;
  /** Failure or skip reason reported for the node. */
  readonly error?: string;
}

/** Why a rollout failed. */
export type FailureReason =
  | "bundle_revoked"
  | "node_activation_failed"
  | "health_gate_failed"
  | "deadline_exceeded"
  | "canary_analysis_failed"
  | "rollback_incomplete";

/** A rollout failure: machine-readable reason, human message and evidence. */
export interface RolloutError {
  readonly reason: FailureReason;
  readonly message: string;
  readonly stepIndex: number | null;
  /** Up to {@link MAX_ERROR_NODE_IDS} node ids involved (failed, unhealthy, unconfirmed). */
  readonly nodeIds: readonly string[];
  readonly details: JsonObject;
}

/** Cap on node ids carried in an error, so a 10,000-node failure stays small. */
export const MAX_ERROR_NODE_IDS = 20;

/** One approval of a rollout awaiting approval. */
export interface Approval {
  readonly userId: string;
  readonly at: number;
  readonly comment: string | null;
}

/** Collected canary-analysis samples of one cohort. */
export interface CohortSamples {
  readonly requests: number;
  readonly errors: number;
  /** Most recent p99 latencies (ms), at most `MAX_LATENCY_SAMPLES_PER_COHORT`. */
  readonly latencies: readonly number[];
}

/** Verdict of one canary analysis; see `analyzeCanary`. */
export type CanaryVerdict = "pass" | "fail" | "hold";

/** The numbers behind a canary verdict (persisted with the step, shown to operators). */
export interface CanaryNumbers {
  readonly p_values: { readonly error_rate: number | null; readonly latency: number | null };
  readonly means: {
    readonly canary_error_rate: number | null;
    readonly baseline_error_rate: number | null;
    readonly canary_latency_ms: number | null;
    readonly baseline_latency_ms: number | null;
  };
  readonly counts: {
    readonly canary_requests: number;
    readonly baseline_requests: number;
    readonly canary_latency_samples: number;
    readonly baseline_latency_samples: number;
  };
}

/** A canary verdict with its reasons and numbers. */
export interface CanaryAnalysis {
  readonly verdict: CanaryVerdict;
  readonly reasons: readonly string[];
  readonly numbers: CanaryNumbers;
}

/** Analysis in progress for a canary cohort. */
export interface AnalysisProgress {
  readonly startedAt: number;
  /** Heartbeats received after this instant have not been sampled yet. */
  readonly sampledUntil: number;
  readonly canary: CohortSamples;
  readonly baseline: CohortSamples;
  readonly last: CanaryAnalysis | null;
}

/** Fields shared by the phases of a step whose nodes were assigned. */
export interface AssignedStepBase {
  readonly index: number;
  /** When the step's nodes were assigned (never shifted; older reports are stale). */
  readonly assignedAt: number;
  /**
   * Origin of the step's progress deadline: `assignedAt` moved forward by every pause, so a
   * pause never consumes the deadline.
   */
  readonly startedAt: number;
  /** Start of the current run of failing gates, or `null` while they are not failing. */
  readonly gateFailingSince: number | null;
}

/** Copies exactly the fields shared by the assigned phases of a step. */
export function assignedStepBase(step: AssignedStepBase): AssignedStepBase {
  return {
    index: step.index,
    assignedAt: step.assignedAt,
    startedAt: step.startedAt,
    gateFailingSince: step.gateFailingSince,
  };
}

/**
 * Where the current step is. `starting`: its nodes are assigned on the next tick (which brings
 * their observations, so each node's previous bundle can be recorded). `deploying`: waiting
 * for enough nodes to be active and healthy. `baking`: soak. `analysing`: canary statistics.
 * `awaiting_promotion`: blue-green green cohort, or canary with manual promotion.
 */
export type StepProgress =
  | { readonly phase: "starting"; readonly index: number }
  | (AssignedStepBase & { readonly phase: "deploying" })
  | (AssignedStepBase & { readonly phase: "baking"; readonly bakeStartedAt: number })
  | (AssignedStepBase & { readonly phase: "analysing"; readonly analysis: AnalysisProgress })
  | (AssignedStepBase & {
      readonly phase: "awaiting_promotion";
      readonly readyAt: number;
      readonly analysis: CanaryAnalysis | null;
    });

/** A step phase name. */
export type StepPhase = StepProgress["phase"];

/** Why a rollout was cancelled. Rejection is a cancellation with the approver's comment. */
export type Cancellation =
  | { readonly kind: "operator"; readonly actor: string; readonly reason: string | null }
  | { readonly kind: "rejected"; readonly actor: string; readonly comment: string };

/** Why a rollback runs. */
export type RollbackCause =
  | { readonly kind: "manual"; readonly actor: string; readonly from: RolloutStateName }
  | { readonly kind: "automatic"; readonly error: RolloutError };

/** Progress of a rollback. */
export interface RollbackProgress {
  readonly cause: RollbackCause;
  readonly startedAt: number;
  readonly deadlineAt: number;
  /** Touched nodes that have not confirmed their previous bundle yet. */
  readonly remaining: number;
  /** Where the next observation window starts (the window rotates over unconfirmed nodes). */
  readonly cursor: { readonly step: number; readonly pos: number };
}

/** Fields every rollout state carries. */
export interface RolloutBase {
  readonly version: typeof ROLLOUT_STATE_VERSION;
  readonly id: string;
  readonly bundleId: string;
  readonly spec: RolloutSpec;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Base heartbeat interval; data older than 3 intervals is not fresh. */
  readonly heartbeatIntervalSeconds: number;
  readonly approvalsRequired: number;
  readonly approvals: readonly Approval[];
  readonly scheduledAt: number | null;
  /** Node ids per step, fixed at creation (the shell may store it once, separately). */
  readonly plan: readonly (readonly string[])[];
  /** `entries[i][j]` describes `plan[i][j]`; empty until step `i` starts. */
  readonly entries: readonly (readonly NodeEntry[])[];
  /** Interned previous-bundle ids referenced by `NodeEntry.prev`. */
  readonly bundles: readonly string[];
  readonly counts: NodeCounts;
  readonly startedAt: number | null;
  /** Index of the step started last, or `null` before the first one. */
  readonly lastStepIndex: number | null;
}

/** Waiting for approvals (`approvalsRequired` distinct users, never the creator). */
export interface PendingApprovalRollout extends RolloutBase {
  readonly state: "pending_approval";
}

/** Approved, waiting for `scheduledAt`. */
export interface ScheduledRollout extends RolloutBase {
  readonly state: "scheduled";
}

/** Moving through its steps. */
export interface RunningRollout extends RolloutBase {
  readonly state: "running";
  readonly step: StepProgress;
}

/** Paused by an operator; timers of the step are shifted by the pause on resume. */
export interface PausedRollout extends RolloutBase {
  readonly state: "paused";
  readonly step: StepProgress;
  readonly pausedAt: number;
  readonly pausedBy: string;
}

/** Every step completed. */
export interface CompletedRollout extends RolloutBase {
  readonly state: "completed";
  readonly finishedAt: number;
}

/** Failed without (or after an incomplete) rollback. */
export interface FailedRollout extends RolloutBase {
  readonly state: "failed";
  readonly finishedAt: number;
  readonly error: RolloutError;
}

/** Cancelled by an operator, or rejected by an approver. */
export interface CancelledRollout extends RolloutBase {
  readonly state: "cancelled";
  readonly finishedAt: number;
  readonly cancellation: Cancellation;
}

/** Restoring every touched node's previous bundle. */
export interface RollingBackRollout extends RolloutBase {
  readonly state: "rolling_back";
  readonly rollback: RollbackProgress;
}

/** Every touched node runs its previous bundle again (or was unassigned, having none). */
export interface RolledBackRollout extends RolloutBase {
  readonly state: "rolled_back";
  readonly finishedAt: number;
  readonly cause: RollbackCause;
}

/** The persisted state of one rollout: a discriminated union on `state`. */
export type Rollout =
  | PendingApprovalRollout
  | ScheduledRollout
  | RunningRollout
  | PausedRollout
  | CompletedRollout
  | FailedRollout
  | CancelledRollout
  | RollingBackRollout
  | RolledBackRollout;

/** The rollout variant with the given state. */
export type RolloutIn<S extends RolloutStateName> = Extract<Rollout, { state: S }>;

/** Copies exactly the base fields, so fields of the previous variant never leak. */
export function baseOf(r: RolloutBase): RolloutBase {
  return {
    version: r.version,
    id: r.id,
    bundleId: r.bundleId,
    spec: r.spec,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    heartbeatIntervalSeconds: r.heartbeatIntervalSeconds,
    approvalsRequired: r.approvalsRequired,
    approvals: r.approvals,
    scheduledAt: r.scheduledAt,
    plan: r.plan,
    entries: r.entries,
    bundles: r.bundles,
    counts: r.counts,
    startedAt: r.startedAt,
    lastStepIndex: r.lastStepIndex,
  };
}
