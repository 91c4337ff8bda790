/**
 * The RPC contract of RolloutDO: what the Worker (routes, services, cron) sends and gets back.
 * Plain serialisable data only (DO RPC structured-clones arguments and results).
 *
 * Part of the binding types (src/bindings.ts): imports only pure modules, never a Durable
 * Object class or the Worker's services, so `Env` stays a leaf of the import graph.
 */
import type { Actor } from "../auth/principal";
import type {
  Outcome,
  RolloutSpec,
  RolloutStateName,
  SkippedNode,
  StepPhase,
} from "../domain/rollout";

/** The audit actor of transitions the engine makes on its own (ticks, automatic rollback). */
export const ENGINE_ACTOR: Actor = {
  type: "system",
  id: "rollout-engine",
  label: "rollout engine",
};

/** Everything RolloutDO.create needs: a planned rollout (the route resolved and planned it). */
export interface CreateRolloutRequest {
  readonly id: string;
  readonly projectId: string;
  readonly orgId: string;
  readonly bundleId: string;
  /** Resolved and valid (`resolveRolloutSpec` + `validateRolloutSpec`). */
  readonly spec: RolloutSpec;
  /**
   * The rollouts row's `spec` column (JSON text): the spec plus selector and schedule. Text, not
   * an object: the RPC type mapping of a recursive JSON type does not terminate.
   */
  readonly specRecord: string;
  /** `planRollout(...).steps`: node ids per step. */
  readonly steps: readonly (readonly string[])[];
  /** Candidates the planner left out; recorded as `skipped` rollout nodes. */
  readonly skipped: readonly SkippedNode[];
  readonly actor: Actor;
  readonly requestId: string | null;
  readonly approvalsRequired: number;
  /** Epoch ms; `null` or past = as soon as approved. */
  readonly scheduledAt: number | null;
  readonly heartbeatIntervalSeconds: number;
}

/** Result of RolloutDO.create. */
export type CreateRolloutResult =
  | { readonly kind: "created" }
  /** Another active rollout took some of the nodes first (checked atomically with the insert). */
  | { readonly kind: "node_conflict"; readonly nodeIds: readonly string[] }
  /** This DO already holds a rollout (the id was reused). */
  | { readonly kind: "exists" };

/** An operator command's caller. */
export interface CommandRequest {
  readonly actor: Actor;
  readonly requestId: string | null;
  /** `cancel`/`rollback`/`pause`/`resume`: why (audited); `approve`/`reject`: the comment. */
  readonly comment?: string | null;
}

/**
 * What an operator command did; routes map `refused` to 409/403/400 and read the rollout's
 * view from D1 (written before this returns).
 */
export interface CommandResult {
  readonly outcome: Outcome;
  /** The rollout's state after the command; `null` when this DO holds no rollout. */
  readonly state: RolloutStateName | null;
}

/** Debug view of a RolloutDO (tests, support). */
export interface RolloutDebugState {
  readonly state: RolloutStateName | null;
  readonly stepIndex: number | null;
  readonly stepPhase: StepPhase | null;
  /**
   * The whole stored rollout as JSON text (`Rollout`): the RPC type mapping cannot express the
   * state union (nor the recursive JSON of errors) without exceeding TypeScript's depth limit.
   */
  readonly rolloutJson: string | null;
  readonly projectId: string | null;
  /** The armed alarm (epoch ms) or `null`. */
  readonly alarmAt: number | null;
  /** Work items still waiting in the outbox. */
  readonly pendingWork: number;
  readonly lastTickAt: number | null;
  /** A scheduled start held back by a freeze window until this time. */
  readonly deferredUntil: number | null;
  /** D1 statements and wall time of the last tick of this activation (null before one). */
  readonly lastTick: TickStats | null;
}

/** Cost of one tick. */
export interface TickStats {
  /** Statements of the observation read (one batch). */
  readonly readStatements: number;
  /** Statements written for the transition (all batches). */
  readonly writeStatements: number;
  /** Nodes observed (step or rollback window, plus baseline). */
  readonly observedNodes: number;
  /** Wall time of the reducer call alone (ms). */
  readonly reduceMs: number;
  /** Wall time of the whole tick: read, reduce, persist, write (ms). */
  readonly totalMs: number;
}

/** Optional reason/comment carried by an operator event, trimmed; blank means none. */
export function commentOf(request: CommandRequest): string | null {
  const text = request.comment?.trim() ?? "";
  return text === "" ? null : text;
}

/** What a node told the control plane about a bundle, as the rollout engine sees it. */
export type NodeReportKind = "staged" | "activated" | "verified" | "failed" | "heartbeat";

/** One node report, forwarded to the rollout that currently targets the node. */
export interface NodeReport {
  nodeId: string;
  /**
   * The bundle the report is about. For `heartbeat` it is the node's newly reported active
   * bundle, null when the node says it runs none.
   */
  bundleId: string | null;
  kind: NodeReportKind;
  /** The node's failure reason (`failed` reports). */
  error?: string;
  /** When the control plane received the report (ms since the epoch). */
  at: number;
}

/**
 * The RPC the rollout Durable Object exposes for node reports. It must tolerate duplicates and
 * reports for bundles or nodes that are no longer part of the rollout (delivery is
 * at-least-once and unordered).
 */
export interface RolloutReportSink {
  onNodeReport(report: NodeReport): Promise<void>;
}

/** What the cron watchdog needs from a rollout: re-arm a lost alarm (idempotent). */
export interface RolloutWatchdogTarget {
  ensureAlarm(): Promise<void>;
}

/**
 * The RPC surface of RolloutDO (binding `ROLLOUTS`, one object per rollout id). The class
 * `implements` this, so a signature change breaks the build on both sides.
 */
export interface RolloutRpc
  extends Rpc.DurableObjectBranded,
    RolloutReportSink,
    RolloutWatchdogTarget {
  create(req: CreateRolloutRequest): Promise<CreateRolloutResult>;
  start(req: CommandRequest): Promise<CommandResult>;
  pause(req: CommandRequest): Promise<CommandResult>;
  resume(req: CommandRequest): Promise<CommandResult>;
  cancel(req: CommandRequest): Promise<CommandResult>;
  rollback(req: CommandRequest): Promise<CommandResult>;
  approve(req: CommandRequest): Promise<CommandResult>;
  reject(req: CommandRequest): Promise<CommandResult>;
  promote(req: CommandRequest): Promise<CommandResult>;
  tick(): Promise<void>;
  getState(): Promise<RolloutDebugState>;
}

/** Convenience re-export so callers need one import. */
export type { Outcome };
