/**
 * The shard's D1 read: the desired bundle of the connected nodes a push names, in one query per
 * chunk, shaped exactly like the poll route's offer (src/services/bundle-offer.ts).
 */
import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "../../src/db/schema";
import { bundles, nodes } from "../../src/db/schema";
import type { BundleRow, NodeRow } from "../../src/services";

/** D1 binds at most 100 parameters per statement; the project id takes one. */
export const NODE_IDS_PER_OFFER_READ = 90;

/** One node's row with its desired bundle's row (absent: none, or another project's). */
export interface OfferRow {
  node: NodeRow;
  bundle: BundleRow | undefined;
}

/** Reads `nodeIds` of `projectId` (revoked ones included: the caller closes their sockets). */
export async function readOfferRows(
  db: DrizzleD1Database<typeof schema>,
  projectId: string,
  nodeIds: readonly string[],
): Promise<OfferRow[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < nodeIds.length; i += NODE_IDS_PER_OFFER_READ) {
    chunks.push(nodeIds.slice(i, i + NODE_IDS_PER_OFFER_READ));
  }
  const results = await Promise.all(
    chunks.map((chunk) =>
      db
        .select({ node: nodes, bundle: bundles })
        .from(nodes)
        .leftJoin(
          bundles,
          and(eq(bundles.id, nodes.desiredBundleId), eq(bundles.projectId, nodes.projectId)),
        )
        .where(and(eq(nodes.projectId, projectId), inArray(nodes.id, chunk))),
    ),
  );
  return results.flat().map((r) => ({ node: r.node, bundle: r.bundle ?? undefined }));
}
