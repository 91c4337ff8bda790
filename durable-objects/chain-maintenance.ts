/**
 * Audit-chain retention inside ProjectHubDO. Pruning deletes a prefix of a chain; the last
 * pruned entry's (seq, hash) is kept in the hub's storage as the chain's *anchor*, so
 * verification starts from the oldest remaining entry and still detects any edit, gap or
 * deletion after it. The anchor lives outside D1 on purpose: someone able to delete rows in D1
 * cannot also move the anchor to hide it.
 */
import type { Env } from "../src/env";
import type { ChainPoint, ChainState, PruneResult } from "../src/rpc/project-hub";
import { GENESIS_HASH } from "../src/services/audit-chain";
import { type AuditD1Row, chainBreak, fromD1Row } from "../src/services/audit-verify";

const headKey = (chain: string) => `head:${chain}`;
const anchorKey = (chain: string) => `anchor:${chain}`;

/** Reads the chain's head and anchor from hub storage. */
export async function readChainState(
  storage: DurableObjectStorage,
  chain: string,
): Promise<ChainState> {
  const [head, anchor] = await Promise.all([
    storage.get<ChainPoint>(headKey(chain)),
    storage.get<ChainPoint>(anchorKey(chain)),
  ]);
  return { head: head ?? null, anchor: anchor ?? null };
}

/**
 * Deletes up to `maxRows` of the oldest entries of `chain` created before `cutoffMs`. Only a
 * contiguous prefix is pruned (stopping at the first entry at or after the cutoff), and the head
 * entry is always kept, so the hub can rebuild its head from D1 if its storage is ever lost.
 * The prefix is verified first; if it does not verify, nothing is deleted.
 *
 * Crash safety: the anchor is stored before the rows are deleted. A crash in between leaves
 * rows at or below the anchor, which verification skips and the next run deletes.
 */
export async function pruneChain(
  storage: DurableObjectStorage,
  env: Env,
  chain: string,
  cutoffMs: number,
  maxRows: number,
  head: ChainPoint,
): Promise<PruneResult> {
  const key = env.AUDIT_HMAC_KEY;
  if (!key) {
    throw new Error("AUDIT_HMAC_KEY is not configured");
  }
  const anchor = (await storage.get<ChainPoint>(anchorKey(chain))) ?? null;
  const from: ChainPoint = anchor ?? { seq: 0, hash: GENESIS_HASH };
  const firstKept = await env.DB.prepare(
    "SELECT MIN(seq) AS seq FROM audit_logs WHERE chain = ? AND seq > ? AND created_at >= ?",
  )
    .bind(chain, from.seq, cutoffMs)
    .first<{ seq: number | null }>();
  const through = Math.min(
    (firstKept?.seq ?? Number.POSITIVE_INFINITY) - 1,
    head.seq - 1,
    from.seq + maxRows,
  );
  const unchanged = { pruned: 0, prunedThroughSeq: anchor?.seq ?? null };
  if (through <= from.seq) {
    // Nothing new to prune; finish a deletion that a crash interrupted after the anchor moved.
    const leftover = anchor
      ? await env.DB.prepare("DELETE FROM audit_logs WHERE chain = ? AND seq <= ?")
          .bind(chain, anchor.seq)
          .run()
      : null;
    return { ...unchanged, pruned: leftover?.meta.changes ?? 0, refused: null };
  }
  const { results } = await env.DB.prepare(
    "SELECT * FROM audit_logs WHERE chain = ? AND seq > ? AND seq <= ? ORDER BY seq",
  )
    .bind(chain, from.seq, through)
    .all<AuditD1Row>();
  let at = from;
  for (const row of results) {
    const entry = fromD1Row(row);
    const reason = await chainBreak(key, at, entry);
    if (reason !== null) {
      return { ...unchanged, refused: `seq ${entry.seq}: ${reason}` };
    }
    at = { seq: entry.seq, hash: entry.hash };
  }
  if (at.seq !== through) {
    return { ...unchanged, refused: `entries up to seq ${through} are missing` };
  }
  await storage.put(anchorKey(chain), at);
  const deleted = await env.DB.prepare("DELETE FROM audit_logs WHERE chain = ? AND seq <= ?")
    .bind(chain, through)
    .run();
  return { pruned: deleted.meta.changes, prunedThroughSeq: at.seq, refused: null };
}
