import type { NodeEntry, Rollout } from "./types";
import { ROLLOUT_STATE_VERSION, ROLLOUT_STATES } from "./types";

/** `Omit` applied to each member of a union (plain `Omit` would merge the members). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A rollout without its plan and entries. */
export type RolloutCore = DistributiveOmit<Rollout, "plan" | "entries">;

/**
 * The persisted form of a rollout, split so a Durable Object can store it under separate keys
 * (SQLite-backed DO values are limited to 2 MB, and a tick changes one step): `core` is small
 * and changes on most transitions, `plan` never changes after creation, `entries[i]` changes
 * only while step `i` runs (see {@link changedEntrySteps}).
 */
export interface StoredRollout {
  readonly core: RolloutCore;
  readonly plan: readonly (readonly string[])[];
  readonly entries: readonly (readonly NodeEntry[])[];
}

/** Splits a rollout for storage. */
export function toStored(r: Rollout): StoredRollout {
  const { plan, entries, ...core } = r;
  return { core, plan, entries };
}

/**
 * Joins stored parts back into a rollout. Throws when the stored version is not the current
 * {@link ROLLOUT_STATE_VERSION} or the state name is unknown (a migration is then required:
 * silently reading another shape would drive the fleet from misread state).
 */
export function fromStored(stored: StoredRollout): Rollout {
  const core: { version?: unknown; state?: unknown } = stored.core;
  if (core.version !== ROLLOUT_STATE_VERSION) {
    throw new Error(`unsupported rollout state version ${String(core.version)}`);
  }
  if (!(ROLLOUT_STATES as readonly unknown[]).includes(core.state)) {
    throw new Error(`unknown rollout state ${String(core.state)}`);
  }
  if (stored.entries.length !== stored.plan.length) {
    throw new Error("rollout entries do not match the plan");
  }
  return { ...stored.core, plan: stored.plan, entries: stored.entries };
}

/**
 * Indexes of the steps whose entries differ between two versions of a rollout (by reference:
 * the reducer copies only the entry arrays it changes). O(number of steps).
 */
export function changedEntrySteps(before: Rollout, after: Rollout): number[] {
  const changed: number[] = [];
  after.entries.forEach((row, i) => {
    if (row !== before.entries[i]) {
      changed.push(i);
    }
  });
  return changed;
}
