/** Typed fetchers for the routes several pages share. */
import { api, projectPath, qs } from "./api";
import type { BundleSummary, FleetNode, Page, Rollout } from "./types";

/** Upper bound on items fetched by following cursors (overview counts, filters). */
export const MAX_FETCH_ALL = 5_000;
const PAGE_LIMIT = 500;

/** Follows `next_cursor` until the list ends or MAX_FETCH_ALL items were read. */
export async function fetchAll<T>(
  path: string,
  params: Record<string, string | string[] | undefined>,
  signal?: AbortSignal,
): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await api<Page<T>>(
      `${path}${qs({ ...params, limit: PAGE_LIMIT, cursor: cursor ?? undefined })}`,
      signal ? { signal } : {},
    );
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < MAX_FETCH_ALL);
  return { items, truncated: cursor !== null };
}

/** Every node of the project (bounded), optionally filtered by status and labels. */
export function fetchNodes(
  slug: string,
  filters: { status?: string; label?: string[] } = {},
  signal?: AbortSignal,
) {
  return fetchAll<FleetNode>(projectPath(slug, "/nodes"), filters, signal);
}

/** The newest bundles (one page). */
export function fetchBundles(slug: string, signal?: AbortSignal, limit = 100) {
  return api<Page<BundleSummary>>(projectPath(slug, `/bundles${qs({ limit })}`), { signal });
}

/** The newest rollouts (one page), optionally by state. */
export function fetchRollouts(
  slug: string,
  params: { state?: string; limit?: number } = {},
  signal?: AbortSignal,
) {
  return api<Page<Rollout>>(projectPath(slug, `/rollouts${qs({ limit: 100, ...params })}`), {
    signal,
  });
}

/** Rollout states in which a rollout is still in flight. */
export const ACTIVE_ROLLOUT_STATES = new Set([
  "pending_approval",
  "scheduled",
  "running",
  "paused",
  "rolling_back",
]);

/** "v7 (#7)" for a bundle id, from a list of bundles; the short digest when unknown. */
export function bundleLabel(id: string | null, bundles: BundleSummary[] | undefined): string {
  if (!id) {
    return "none";
  }
  const b = bundles?.find((x) => x.bundle_id === id);
  return b ? `${b.version} (#${b.sequence})` : id.slice(0, 10);
}
