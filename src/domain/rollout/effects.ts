import type { JsonObject } from "../json";
import type {
  AuditAction,
  NodeStatusUpdate,
  RolloutCommand,
  RolloutEventName,
  StepState,
} from "./commands";
import type { CanaryAnalysis, NodeCounts, NodeEntry, Rollout, RolloutBase } from "./types";

/**
 * Collects the commands of one reduction. Local to a single `reduceRollout` call (never
 * stored), so its mutability does not leak: the reducer stays a pure function of its inputs.
 */
export class Effects {
  readonly commands: RolloutCommand[] = [];
  readonly nodeUpdates: NodeStatusUpdate[] = [];
  /** Set when the next tick should run at once (a step became ready to start, a node failed). */
  wakeSoon = false;

  constructor(
    private readonly rolloutId: string,
    private readonly bundleId: string,
  ) {}

  /** Queues an audit entry (rollout and bundle ids are added to the details). */
  audit(action: AuditAction, actor: string, details: JsonObject = {}): void {
    this.commands.push({
      type: "audit",
      action,
      actor,
      details: { rollout_id: this.rolloutId, bundle_id: this.bundleId, ...details },
    });
  }

  /** Queues an event (rollout and bundle ids are added to the payload). */
  emit(event: RolloutEventName, payload: JsonObject = {}): void {
    this.commands.push({
      type: "emit_event",
      event,
      payload: { rollout_id: this.rolloutId, bundle_id: this.bundleId, ...payload },
    });
  }

  /** Audit and emit the same transition. */
  record(action: AuditAction, actor: string, details: JsonObject = {}): void {
    this.audit(action, actor, details);
    this.emit(action, { actor, ...details });
  }

  /** Queues a step row write. */
  persistStep(
    r: RolloutBase,
    index: number,
    state: StepState,
    startedAt: number | null,
    finishedAt: number | null,
    analysis: CanaryAnalysis | null = null,
  ): void {
    const nodeCount = r.plan[index]?.length ?? 0;
    this.commands.push({
      type: "persist_step",
      step: { index, state, nodeCount, startedAt, finishedAt, analysis },
    });
  }
}

/** A new entry for `plan[step][pos]`. */
export interface NodeChange {
  readonly step: number;
  readonly pos: number;
  readonly entry: NodeEntry;
}

/**
 * Applies entry changes: copies only the touched steps' entry arrays (a tick changes one step,
 * so this is O(step size), not O(fleet)), keeps `counts` in sync and queues the status updates.
 * The first change of a step that has no entries yet must cover every node of it.
 */
export function applyNodeChanges<R extends Rollout>(
  r: R,
  changes: readonly NodeChange[],
  fx: Effects,
): R {
  if (changes.length === 0) {
    return r;
  }
  const copies = new Map<number, NodeEntry[]>();
  const counts: Record<keyof NodeCounts, number> = { ...r.counts };
  for (const { step, pos, entry } of changes) {
    let row = copies.get(step);
    if (!row) {
      row = [...(r.entries[step] ?? [])];
      copies.set(step, row);
    }
    const before = row[pos];
    counts[before?.status ?? "pending"] -= 1;
    counts[entry.status] += 1;
    row[pos] = entry;
    const nodeId = r.plan[step]?.[pos];
    if (nodeId !== undefined && (before?.status !== entry.status || before.error !== entry.error)) {
      fx.nodeUpdates.push({
        nodeId,
        status: entry.status,
        at: entry.since,
        error: entry.error ?? null,
        previousBundleId: entry.prev === null ? null : (r.bundles[entry.prev] ?? null),
      });
    }
  }
  const entries = r.entries.map((row, step) => copies.get(step) ?? row);
  return { ...r, entries, counts };
}

/** Returns `bundles` with `bundleId` interned, and its index. */
export function internBundle(
  bundles: readonly string[],
  bundleId: string,
): { bundles: readonly string[]; index: number } {
  const found = bundles.indexOf(bundleId);
  if (found >= 0) {
    return { bundles, index: found };
  }
  return { bundles: [...bundles, bundleId], index: bundles.length };
}

/** Counts for a plan in which every node is still pending. */
export function initialCounts(total: number): NodeCounts {
  return {
    pending: total,
    assigned: 0,
    staged: 0,
    active: 0,
    verified: 0,
    failed: 0,
    skipped: 0,
    rolled_back: 0,
  };
}

/** Counts after every pending node became skipped (the rollout ended before reaching them). */
export function skipPending(r: RolloutBase, fx: Effects): NodeCounts {
  if (r.counts.pending === 0) {
    return r.counts;
  }
  fx.commands.push({ type: "skip_pending_nodes" });
  return { ...r.counts, pending: 0, skipped: r.counts.skipped + r.counts.pending };
}
