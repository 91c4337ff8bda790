/**
 * Structural diff between two parsed Zentinel configs (`ConfigModel`s from the embedded
 * validator): which listeners, routes, upstreams, agents and filters were added, removed or
 * changed, and which global blocks changed. Pure; the unified text diff of the files lives in
 * src/bundles/diff.ts.
 *
 * Invariants:
 * - Items are matched by `qualifiedId` (`id`, `ns:id` or `ns:svc:id`), so moving a block to
 *   another file or reordering blocks is not a change.
 * - "changed" means same id, different model JSON; `fields` names the top-level model fields
 *   whose values differ, in the model's field order.
 * - Every list in the result is sorted (ids bytewise), so equal inputs give equal output.
 */
import type { ConfigModel } from "../kdl/model";

/** The per-item collections of a config that the diff compares. */
export const DIFFED_COLLECTIONS = [
  "listeners",
  "routes",
  "upstreams",
  "agents",
  "filters",
] as const;

/** One of {@link DIFFED_COLLECTIONS}. */
export type DiffedCollection = (typeof DIFFED_COLLECTIONS)[number];

/** Singleton blocks compared as a whole (null when absent). */
export const DIFFED_GLOBALS = [
  "system",
  "waf",
  "limits",
  "rateLimits",
  "cache",
  "observability",
  "namespaces",
] as const;

/** One of {@link DIFFED_GLOBALS}. */
export type DiffedGlobal = (typeof DIFFED_GLOBALS)[number];

/** An item present on both sides with different content. */
export interface ChangedItem {
  id: string;
  /** Top-level fields whose values differ. */
  fields: string[];
}

/** Added, removed and changed items of one collection. */
export interface CollectionDiff {
  added: string[];
  removed: string[];
  changed: ChangedItem[];
}

/** The structural diff of two configs. */
export type ConfigDiff = Record<DiffedCollection, CollectionDiff> & {
  /** Global blocks whose content differs (including appearing or disappearing). */
  globals: DiffedGlobal[];
};

/** An item of any diffed collection: everything has a qualified id. */
interface Identified {
  qualifiedId: string;
}

/** Deep equality of JSON-shaped values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord);
  if (aKeys.length !== Object.keys(bRecord).length) {
    return false;
  }
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && jsonEqual(aRecord[key], bRecord[key]));
}

/** Names of the top-level fields whose values differ, `a`'s field order first. */
export function changedFields(a: object, b: object): string[] {
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(aRecord), ...Object.keys(bRecord)])];
  return keys.filter((key) => !jsonEqual(aRecord[key], bRecord[key]));
}

/** Orders ids by UTF-16 code unit (ids are ASCII in practice), the order of every result list. */
export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Indexes items by qualified id. A valid config has unique ids; should one repeat anyway, later
 * occurrences are keyed `id#2`, `id#3`… in list order so nothing is silently dropped.
 */
export function indexById<T extends Identified>(items: readonly T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) {
    let key = item.qualifiedId;
    for (let n = 2; out.has(key); n++) {
      key = `${item.qualifiedId}#${n}`;
    }
    out.set(key, item);
  }
  return out;
}

/** Diffs two lists of items matched by qualified id. */
export function diffCollection<T extends Identified>(
  before: readonly T[],
  after: readonly T[],
): CollectionDiff {
  const old = indexById(before);
  const next = indexById(after);
  const added = [...next.keys()].filter((id) => !old.has(id)).sort(compareIds);
  const removed = [...old.keys()].filter((id) => !next.has(id)).sort(compareIds);
  const changed: ChangedItem[] = [];
  for (const [id, item] of next) {
    const previous = old.get(id);
    if (previous === undefined) {
      continue;
    }
    const fields = changedFields(previous, item);
    if (fields.length > 0) {
      changed.push({ id, fields });
    }
  }
  changed.sort((a, b) => compareIds(a.id, b.id));
  return { added, removed, changed };
}

/**
 * Diffs two configs. `before` null means "nothing before" (a project's first bundle): every item
 * of `after` is added and every present global block is changed.
 */
export function diffConfigs(before: ConfigModel | null, after: ConfigModel): ConfigDiff {
  const pick = <K extends DiffedCollection>(model: ConfigModel | null, key: K) =>
    model === null ? [] : model[key];
  const globals = DIFFED_GLOBALS.filter((key) =>
    before === null ? !isEmptyGlobal(after[key]) : !jsonEqual(before[key], after[key]),
  );
  return {
    listeners: diffCollection(pick(before, "listeners"), after.listeners),
    routes: diffCollection(pick(before, "routes"), after.routes),
    upstreams: diffCollection(pick(before, "upstreams"), after.upstreams),
    agents: diffCollection(pick(before, "agents"), after.agents),
    filters: diffCollection(pick(before, "filters"), after.filters),
    globals,
  };
}

function isEmptyGlobal(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

/** Number of added, removed and changed items of one collection. */
export function changeCount(diff: CollectionDiff): number {
  return diff.added.length + diff.removed.length + diff.changed.length;
}

/** True when nothing structural differs. */
export function isEmptyDiff(diff: ConfigDiff): boolean {
  return diff.globals.length === 0 && DIFFED_COLLECTIONS.every((c) => changeCount(diff[c]) === 0);
}
