/**
 * RolloutDO's storage: the synchronous KV API of its SQLite backend (`ctx.storage.kv`), written
 * inside `transactionSync`, so a transition (state + outbox) is committed atomically and no
 * await can interleave with it.
 *
 * Keys (values are structured-cloned):
 * - `meta`: the shell's own fields ({@link ShellMeta});
 * - `core`: the rollout without plan and entries (changes on most transitions);
 * - `plan:<i>`: node ids of step i, written once at creation;
 * - `entries:<i>`: per-node entries of step i, rewritten only when that step changed
 *   (`changedEntrySteps`), so a tick writes O(step size) bytes and every value stays far below
 *   the 2 MB value limit;
 * - `outbox:<seq>`: work items not yet executed, in order.
 */
import type { NodeEntry, Rollout, RolloutCore } from "../../src/domain/rollout";
import { changedEntrySteps, fromStored, toStored } from "../../src/domain/rollout";
import type { WorkItem } from "./work";

/** The shell's fields beside the rollout state. */
export interface ShellMeta {
  readonly rolloutId: string;
  readonly projectId: string;
  readonly orgId: string;
  /** Steps in the plan (how many `plan:`/`entries:` keys exist). */
  readonly steps: number;
  readonly lastTickAt: number | null;
  /** What `rollouts.next_tick_at` says in D1. */
  readonly nextTickWritten: number | null;
  /** A due scheduled start held back by a freeze window until then. */
  readonly deferredUntil: number | null;
  /** The window that holds it back (its deferral is announced once). */
  readonly deferredBy: string | null;
  /** The reducer's last `wakeAt` (node reports may bring it forward). */
  readonly wakeAt: number | null;
  /** A shell failure is shown on the rollouts row; the next successful tick clears it. */
  readonly engineError: boolean;
  /** Sequence of the next outbox key. */
  readonly outboxSeq: number;
}

const META = "meta";
const CORE = "core";
const OUTBOX = "outbox:";
const planKey = (i: number) => `plan:${i}`;
const entriesKey = (i: number) => `entries:${i}`;
/** Zero-padded so keys list in execution order. */
const outboxKey = (seq: number) => `${OUTBOX}${seq.toString().padStart(12, "0")}`;

/** A loaded rollout with its shell fields. */
export interface Loaded {
  readonly rollout: Rollout;
  readonly meta: ShellMeta;
}

/** Typed access to one RolloutDO's storage, with the loaded state cached per activation. */
export class RolloutStore {
  private cached: Loaded | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** The stored rollout, or `null` when this DO holds none. Throws on an unreadable version. */
  load(): Loaded | null {
    if (this.cached) {
      return this.cached;
    }
    const kv = this.storage.kv;
    const meta = kv.get<ShellMeta>(META);
    const core = kv.get<RolloutCore>(CORE);
    if (meta === undefined || core === undefined) {
      return null;
    }
    const plan: string[][] = [];
    const entries: NodeEntry[][] = [];
    for (let i = 0; i < meta.steps; i += 1) {
      plan.push(kv.get<string[]>(planKey(i)) ?? []);
      entries.push(kv.get<NodeEntry[]>(entriesKey(i)) ?? []);
    }
    this.cached = { rollout: fromStored({ core, plan, entries }), meta };
    return this.cached;
  }

  /**
   * The shell fields alone, readable even when the rollout state is not (an unknown version):
   * enough to report the failure on the rollout's row.
   */
  loadMeta(): ShellMeta | null {
    return this.cached?.meta ?? this.storage.kv.get<ShellMeta>(META) ?? null;
  }

  /** Flags a recorded engine failure without touching the (maybe unreadable) rollout state. */
  markEngineError(): void {
    const meta = this.loadMeta();
    if (meta) {
      const flagged = { ...meta, engineError: true };
      this.storage.kv.put(META, flagged);
      if (this.cached) {
        this.cached = { ...this.cached, meta: flagged };
      }
    }
  }

  /** Stores a new rollout with its first work, atomically. */
  create(
    rollout: Rollout,
    meta: Omit<ShellMeta, "steps" | "outboxSeq">,
    work: readonly WorkItem[],
  ) {
    const stored = toStored(rollout);
    const full = this.storage.transactionSync(() => {
      const kv = this.storage.kv;
      stored.plan.forEach((ids, i) => {
        kv.put(planKey(i), ids);
        kv.put(entriesKey(i), stored.entries[i] ?? []);
      });
      kv.put(CORE, stored.core);
      const written = this.enqueue({ ...meta, steps: stored.plan.length, outboxSeq: 0 }, work);
      kv.put(META, written);
      return written;
    });
    this.cached = { rollout, meta: full };
  }

  /**
   * Commits a transition: the new core, the entry arrays that changed, the meta patch and the
   * work to execute, in one transaction.
   */
  commit(before: Rollout, after: Rollout, patch: Partial<ShellMeta>, work: readonly WorkItem[]) {
    const loaded = this.require();
    const meta = this.storage.transactionSync(() => {
      const kv = this.storage.kv;
      if (after !== before) {
        const stored = toStored(after);
        for (const i of changedEntrySteps(before, after)) {
          kv.put(entriesKey(i), stored.entries[i] ?? []);
        }
        kv.put(CORE, stored.core);
      }
      const written = this.enqueue({ ...loaded.meta, ...patch }, work);
      kv.put(META, written);
      return written;
    });
    this.cached = { rollout: after, meta };
  }

  /** Updates shell fields only. */
  patchMeta(patch: Partial<ShellMeta>): void {
    const { rollout } = this.require();
    this.commit(rollout, rollout, patch, []);
  }

  /** Work items waiting, oldest first. */
  pendingWork(): Array<[string, WorkItem]> {
    return [...this.storage.kv.list<WorkItem>({ prefix: OUTBOX })];
  }

  /** Marks a work item done. */
  finishWork(key: string): void {
    this.storage.kv.delete(key);
  }

  /** Forgets everything (a creation that did not happen). */
  async clear(): Promise<void> {
    this.cached = null;
    await this.storage.deleteAll();
  }

  private require(): Loaded {
    const loaded = this.load();
    if (!loaded) {
      throw new Error("no rollout stored in this Durable Object");
    }
    return loaded;
  }

  /** Puts `work` under consecutive outbox keys (inside the caller's transaction). */
  private enqueue(meta: ShellMeta, work: readonly WorkItem[]): ShellMeta {
    work.forEach((item, k) => {
      this.storage.kv.put(outboxKey(meta.outboxSeq + k), item);
    });
    return { ...meta, outboxSeq: meta.outboxSeq + work.length };
  }
}
