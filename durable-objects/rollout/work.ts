/**
 * Turns the reducer's commands into work items: D1 write batches and audit/event appends, in a
 * serialisable form, so they can wait in the DO's outbox and be retried after a failure.
 * Pure: statements are built from these items only when they run (execute.ts).
 */
import type { Actor } from "../../src/auth/principal";
import type { JsonObject } from "../../src/domain/json";
import type {
  AuditAction,
  NodeStatusUpdate,
  RolloutCommand,
  RolloutError,
  RolloutEventName,
  RolloutSummary,
  StepSummary,
} from "../../src/domain/rollout";
import { assertNever } from "../../src/domain/rollout";
import { ASSIGN_NODES_PER_STATEMENT } from "../../src/services/assignments";

/**
 * Node ids per write. Bounds each outbox item (an id is ~40 bytes, far below the 2 MB value
 * limit) and each JSON parameter of the json_each statements.
 */
export const NODES_PER_WRITE = 500;

/**
 * Statements per D1 batch. A rollback of 10,000 nodes becomes a few hundred statements; D1
 * runs a batch as one transaction, so batches stay small enough to commit quickly.
 */
export const STATEMENTS_PER_BATCH = 50;

/** One D1 write of the shell (see execute.ts for its SQL). */
export type D1Write =
  /** Forward assignment through the shared assignment helper. */
  | {
      readonly op: "assign";
      readonly bundleId: string;
      readonly rollback: boolean;
      readonly nodeIds: readonly string[];
    }
  /** Compare-and-set assignment: only where the desired bundle is still `ifDesiredBundleId`. */
  | {
      readonly op: "assign_if";
      readonly bundleId: string;
      readonly ifDesiredBundleId: string;
      readonly rollback: boolean;
      readonly nodeIds: readonly string[];
    }
  | {
      readonly op: "unassign";
      readonly bundleId: string;
      readonly restoreBundleId: string | null;
      readonly nodeIds: readonly string[];
    }
  | { readonly op: "rollout"; readonly summary: RolloutSummary; readonly nextTickAt: number | null }
  | { readonly op: "next_tick"; readonly nextTickAt: number | null }
  | { readonly op: "step"; readonly step: StepSummary; readonly error: RolloutError | null }
  | { readonly op: "nodes"; readonly updates: readonly NodeStatusUpdate[] }
  | { readonly op: "skip_pending"; readonly at: number }
  | {
      readonly op: "approval";
      readonly id: string;
      readonly actorId: string;
      readonly decision: "approve" | "reject";
      readonly comment: string | null;
      readonly at: number;
    }
  /** A shell failure shown on the rollouts row until the next successful write of it. */
  | { readonly op: "engine_error"; readonly error: JsonObject; readonly at: number };

/** One audit entry of a transition. */
export interface AuditRecord {
  readonly action: AuditAction;
  readonly actor: Actor;
  readonly details: JsonObject;
}

/** One project event of a transition. */
export interface EventRecord {
  readonly type: RolloutEventName | "rollout.tick_failed" | "rollout.start_deferred";
  readonly severity: "info" | "warning" | "critical";
  readonly payload: JsonObject;
}

/** A unit of outbox work: one D1 batch, or one append to the project's audit hub. */
export type WorkItem =
  | { readonly kind: "d1"; readonly writes: readonly D1Write[] }
  | {
      readonly kind: "audit";
      readonly entry: AuditRecord | null;
      readonly events: readonly EventRecord[];
      readonly requestId: string | null;
    };

/** Context for compiling a reduction's commands. */
export interface CompileContext {
  /** The audit actor for an actor id in a command (`"system"` → the engine). */
  readonly actorFor: (id: string) => Actor;
  readonly requestId: string | null;
  /** `rollouts.next_tick_at` to write with the rollout row. */
  readonly nextTickAt: number | null;
  /** Whether `next_tick_at` must be written even when the rollout row is not. */
  readonly writeNextTick: boolean;
  /** The rollout's error after the reduction, recorded on the step it names. */
  readonly error: RolloutError | null;
  readonly now: number;
  /** Extra writes of the shell (approval rows), committed with the transition. */
  readonly extraWrites?: readonly D1Write[];
}

/** How serious an event is, for notification routing. */
export function eventSeverity(
  type: EventRecord["type"],
  payload: JsonObject,
): EventRecord["severity"] {
  switch (type) {
    case "rollout.failed":
    case "rollout.tick_failed":
      return "critical";
    case "rollout.rollback_started":
    case "rollout.rolled_back":
    case "rollout.rejected":
      return "warning";
    case "rollout.canary_analysis":
      return payload.verdict === "fail" ? "warning" : "info";
    default:
      return "info";
  }
}

/** Statements a write costs (execute.ts builds exactly these). */
export function statementCount(write: D1Write): number {
  switch (write.op) {
    case "assign":
      // The helper writes nodes and node_assignments per chunk of ids.
      return 2 * Math.ceil(write.nodeIds.length / ASSIGN_NODES_PER_STATEMENT);
    case "assign_if":
      return 2;
    case "unassign":
    case "rollout":
    case "next_tick":
    case "step":
    case "nodes":
    case "skip_pending":
    case "approval":
    case "engine_error":
      return 1;
    default:
      return assertNever(write, "write");
  }
}

/** Splits `ids` into chunks of at most {@link NODES_PER_WRITE}. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

/** A command about one node's desired bundle. */
type NodeCommand = Extract<RolloutCommand, { type: "assign" | "unassign" }>;

/** Key of node commands that can share one statement. */
function groupKey(c: NodeCommand): string {
  if (c.type === "assign") {
    return JSON.stringify(["assign", c.bundleId, c.rollback, c.ifDesiredBundleId]);
  }
  return JSON.stringify(["unassign", c.bundleId, c.restoreBundleId]);
}

/** Node writes of a group of node commands sharing one key. */
function nodeWrites(group: readonly NodeCommand[]): D1Write[] {
  const first = group[0];
  if (!first) {
    return [];
  }
  const ids = group.map((c) => c.nodeId);
  return chunks(ids, NODES_PER_WRITE).map((nodeIds): D1Write => {
    if (first.type === "unassign") {
      return {
        op: "unassign",
        bundleId: first.bundleId,
        restoreBundleId: first.restoreBundleId,
        nodeIds,
      };
    }
    if (first.ifDesiredBundleId === null) {
      return { op: "assign", bundleId: first.bundleId, rollback: first.rollback, nodeIds };
    }
    return {
      op: "assign_if",
      bundleId: first.bundleId,
      ifDesiredBundleId: first.ifDesiredBundleId,
      rollback: first.rollback,
      nodeIds,
    };
  });
}

function isNodeCommand(c: RolloutCommand): c is NodeCommand {
  return c.type === "assign" || c.type === "unassign";
}

/**
 * Groups node commands that can share a statement. A rollback emits one command per node with
 * that node's own previous bundle, in plan order, so groups span the whole list (one group per
 * previous bundle, not one per run of equal neighbours); each group sits where its first
 * command was. Commands of different nodes commute; should a node appear twice, only runs of
 * neighbours are grouped, keeping that node's commands in order.
 */
function groupNodeCommands(
  commands: readonly RolloutCommand[],
): Array<RolloutCommand | NodeCommand[]> {
  const nodes = commands.filter(isNodeCommand);
  const distinct = new Set(nodes.map((c) => c.nodeId)).size === nodes.length;
  const out: Array<RolloutCommand | NodeCommand[]> = [];
  const groups = new Map<string, NodeCommand[]>();
  let previousKey: string | null = null;
  for (const c of commands) {
    if (!isNodeCommand(c)) {
      out.push(c);
      previousKey = null;
      continue;
    }
    const key = groupKey(c);
    const open = distinct ? groups.get(key) : key === previousKey ? groups.get(key) : undefined;
    if (open) {
      open.push(c);
    } else {
      const group = [c];
      groups.set(key, group);
      out.push(group);
    }
    previousKey = key;
  }
  return out;
}

/** The D1 writes of the commands, in command order (node commands grouped). */
function d1Writes(commands: readonly RolloutCommand[], ctx: CompileContext): D1Write[] {
  const writes: D1Write[] = [];
  let wroteRollout = false;
  for (const c of groupNodeCommands(commands)) {
    if (Array.isArray(c)) {
      writes.push(...nodeWrites(c));
      continue;
    }
    switch (c.type) {
      case "persist_rollout":
        wroteRollout = true;
        writes.push({ op: "rollout", summary: c.summary, nextTickAt: ctx.nextTickAt });
        break;
      case "persist_step": {
        const failedHere =
          c.step.state === "failed" && ctx.error !== null && ctx.error.stepIndex === c.step.index;
        writes.push({ op: "step", step: c.step, error: failedHere ? ctx.error : null });
        break;
      }
      case "persist_nodes":
        for (const updates of chunks(c.updates, NODES_PER_WRITE)) {
          writes.push({ op: "nodes", updates });
        }
        break;
      case "skip_pending_nodes":
        writes.push({ op: "skip_pending", at: ctx.now });
        break;
      case "audit":
      case "emit_event":
      case "assign":
      case "unassign":
        break;
      default:
        assertNever(c, "command");
    }
  }
  writes.push(...(ctx.extraWrites ?? []));
  if (!wroteRollout && ctx.writeNextTick) {
    writes.push({ op: "next_tick", nextTickAt: ctx.nextTickAt });
  }
  return writes;
}

/** Audit items: each audit entry with the events that follow it; leading events on their own. */
function auditItems(commands: readonly RolloutCommand[], ctx: CompileContext): WorkItem[] {
  const items: Array<{ entry: AuditRecord | null; events: EventRecord[] }> = [];
  for (const c of commands) {
    if (c.type === "audit") {
      items.push({
        entry: { action: c.action, actor: ctx.actorFor(c.actor), details: c.details },
        events: [],
      });
    } else if (c.type === "emit_event") {
      const event = {
        type: c.event,
        severity: eventSeverity(c.event, c.payload),
        payload: c.payload,
      };
      const last = items[items.length - 1];
      if (last) {
        last.events.push(event);
      } else {
        items.push({ entry: null, events: [event] });
      }
    }
  }
  return items.map((item) => ({ kind: "audit", ...item, requestId: ctx.requestId }));
}

/** Packs writes into batches of at most {@link STATEMENTS_PER_BATCH} statements. */
export function batchWrites(writes: readonly D1Write[]): WorkItem[] {
  const items: WorkItem[] = [];
  let current: D1Write[] = [];
  let statements = 0;
  for (const write of writes) {
    const cost = statementCount(write);
    if (current.length > 0 && statements + cost > STATEMENTS_PER_BATCH) {
      items.push({ kind: "d1", writes: current });
      current = [];
      statements = 0;
    }
    current.push(write);
    statements += cost;
  }
  if (current.length > 0) {
    items.push({ kind: "d1", writes: current });
  }
  return items;
}

/**
 * The work of one reduction: its D1 writes in command order (batched), then its audit entries
 * and events, so the audit log never announces a transition whose rows are not written yet.
 */
export function compileCommands(
  commands: readonly RolloutCommand[],
  ctx: CompileContext,
): WorkItem[] {
  return [...batchWrites(d1Writes(commands, ctx)), ...auditItems(commands, ctx)];
}
