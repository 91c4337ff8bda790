import type { JsonObject } from "../json";
import type {
  CanaryAnalysis,
  NodeCounts,
  NodeStatus,
  Rollout,
  RolloutError,
  RolloutStateName,
  StepPhase,
} from "./types";

/** A change of one node's status, for the D1 per-node rollout status rows. */
export interface NodeStatusUpdate {
  readonly nodeId: string;
  readonly status: NodeStatus;
  readonly at: number;
  readonly error: string | null;
  /** The bundle recorded for rollback, when known. */
  readonly previousBundleId: string | null;
}

/** State of a step as persisted in D1 (`rollout_steps`). */
export type StepState = Exclude<StepPhase, "starting"> | "completed" | "failed" | "aborted";

/** One step row. */
export interface StepSummary {
  readonly index: number;
  readonly state: StepState;
  readonly nodeCount: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly analysis: CanaryAnalysis | null;
}

/** The rollout row in D1 and the body of `GET …/rollouts/{id}` (state, steps, progress). */
export interface RolloutSummary {
  readonly id: string;
  readonly state: RolloutStateName;
  readonly strategy: Rollout["spec"]["strategy"];
  readonly bundleId: string;
  readonly stepIndex: number | null;
  readonly stepCount: number;
  readonly stepPhase: StepPhase | null;
  readonly progress: NodeCounts & { readonly total: number };
  readonly approvals: number;
  readonly approvalsRequired: number;
  readonly scheduledAt: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly updatedAt: number;
  readonly error: RolloutError | null;
}

/** Audit actions the engine records (operator commands and engine transitions alike). */
export type AuditAction =
  | "rollout.created"
  | "rollout.approved"
  | "rollout.rejected"
  | "rollout.started"
  | "rollout.paused"
  | "rollout.resumed"
  | "rollout.cancelled"
  | "rollout.promoted"
  | "rollout.failed"
  | "rollout.completed"
  | "rollout.rollback_started"
  | "rollout.rolled_back";

/** Event types emitted for notifications and the dashboard. */
export type RolloutEventName =
  | AuditAction
  | "rollout.step_started"
  | "rollout.step_completed"
  | "rollout.awaiting_promotion"
  | "rollout.canary_analysis";

/**
 * What the shell must do after a reduction, in order. Commands are idempotent so that a shell
 * that crashed half-way can execute them again.
 */
export type RolloutCommand =
  /**
   * Set the node's desired bundle. With `ifDesiredBundleId`, only when the node's desired bundle
   * is still that one (a compare-and-set, so a rollback never clobbers a newer assignment).
   * `rollback` marks an offer whose sequence may be lower than what the node runs.
   */
  | {
      readonly type: "assign";
      readonly nodeId: string;
      readonly bundleId: string;
      readonly rollback: boolean;
      readonly ifDesiredBundleId: string | null;
    }
  /**
   * Withdraw the offer of `bundleId` from a node that has not activated it: where the node's
   * desired bundle is still `bundleId`, set it back to `restoreBundleId` (`null` = none).
   */
  | {
      readonly type: "unassign";
      readonly nodeId: string;
      readonly bundleId: string;
      readonly restoreBundleId: string | null;
    }
  /** Upsert the rollout row (emitted only when the summary changed). */
  | { readonly type: "persist_rollout"; readonly summary: RolloutSummary }
  /** Upsert one step row. */
  | { readonly type: "persist_step"; readonly step: StepSummary }
  /** Upsert per-node status rows (only nodes that changed). */
  | { readonly type: "persist_nodes"; readonly updates: readonly NodeStatusUpdate[] }
  /** Set every per-node row of this rollout still `pending` to `skipped` (one UPDATE). */
  | { readonly type: "skip_pending_nodes" }
  /** Append an audit log entry; `actor` is a user/API key id or `"system"`. */
  | {
      readonly type: "audit";
      readonly action: AuditAction;
      readonly actor: string;
      readonly details: JsonObject;
    }
  /** Publish an event (notifications, dashboard). */
  | { readonly type: "emit_event"; readonly event: RolloutEventName; readonly payload: JsonObject };

/** A command type name. */
export type RolloutCommandType = RolloutCommand["type"];

/**
 * How the reducer treated an event. `ignored`: nothing to do (idempotent repeats, system events
 * in states that do not need them). `refused`: an operator command that is not allowed; the
 * route maps `invalid_state` to 409, `forbidden` to 403 and `invalid_input` to 400.
 */
export type Outcome =
  | { readonly kind: "applied" }
  | { readonly kind: "ignored"; readonly reason: string }
  | {
      readonly kind: "refused";
      readonly code: "invalid_state" | "forbidden" | "invalid_input";
      readonly message: string;
    };

/** The result of one reduction. */
export interface ReduceResult {
  /** The new state; persist it before executing the commands. */
  readonly rollout: Rollout;
  readonly commands: readonly RolloutCommand[];
  /** When to run the next tick (epoch ms; may be ≤ now: as soon as possible), `null` = never. */
  readonly wakeAt: number | null;
  readonly outcome: Outcome;
}
