/**
 * Checking audit entries against their chain: shared by GET …/audit-logs/verify (whole chain)
 * and retention (the prefix about to be pruned is checked before it is deleted, so pruning never
 * launders tampering into a clean-looking anchor).
 */
import { timingSafeEqual } from "../auth/crypto";
import type { ChainPoint } from "../rpc/project-hub";
import { type ChainedFields, entryHash } from "./audit-chain";

/** A stored entry: the hashed fields plus its links. */
export interface StoredEntry extends ChainedFields {
  prevHash: string;
  hash: string;
}

/** A position in a chain: the last entry's seq and hash (seq 0 = before the first entry). */
export type { ChainPoint };

/** An audit_logs row as D1 returns it to hand-written SQL. */
export interface AuditD1Row {
  id: string;
  chain: string;
  seq: number;
  org_id: string;
  project_id: string | null;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  diff: string | null;
  request_id: string | null;
  created_at: number;
  prev_hash: string;
  hash: string;
}

/** Maps a raw D1 row to the fields the hash covers (diff parsed as drizzle would). */
export function fromD1Row(r: AuditD1Row): StoredEntry {
  return {
    id: r.id,
    chain: r.chain,
    seq: r.seq,
    orgId: r.org_id,
    projectId: r.project_id,
    actorType: r.actor_type,
    actorId: r.actor_id,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    diff: r.diff === null ? null : (JSON.parse(r.diff) as Record<string, unknown>),
    requestId: r.request_id,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Why `entry` does not continue the chain right after `after`, or null when it does: its seq
 * must be the next one, its prev_hash must be the previous hash, and its hash must be the HMAC
 * recomputed from its own fields.
 */
export async function chainBreak(
  key: string,
  after: ChainPoint,
  entry: StoredEntry,
): Promise<string | null> {
  if (entry.seq !== after.seq + 1) {
    return `sequence gap: expected ${after.seq + 1}, found ${entry.seq}`;
  }
  if (!timingSafeEqual(entry.prevHash, after.hash)) {
    return "prev_hash does not link to the previous entry";
  }
  const recomputed = await entryHash(key, after.hash, entry);
  if (!timingSafeEqual(recomputed, entry.hash)) {
    return "hash does not match the entry's content";
  }
  return null;
}
