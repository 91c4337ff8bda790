import { hmacSha256Hex } from "../auth/crypto";
import { canonicalJson } from "../bundles/canonical-json";

/** prev_hash of the first entry in every chain. */
export const GENESIS_HASH = "0".repeat(64);

/** The fields an audit hash covers, in their stored form. */
export interface ChainedFields {
  id: string;
  chain: string;
  seq: number;
  orgId: string;
  projectId: string | null;
  actorType: string;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  diff: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: number;
}

/**
 * hash = HMAC-SHA256(key, prevHash + "\n" + canonical JSON of the entry). Keyed, so someone with
 * database access alone cannot forge a consistent chain; canonical, so verification recomputes
 * the exact bytes.
 */
export function entryHash(key: string, prevHash: string, f: ChainedFields): Promise<string> {
  const canonical = canonicalJson({
    action: f.action,
    actor_id: f.actorId,
    actor_type: f.actorType,
    chain: f.chain,
    created_at: f.createdAt,
    diff: f.diff ?? null,
    id: f.id,
    org_id: f.orgId,
    project_id: f.projectId,
    request_id: f.requestId,
    resource_id: f.resourceId,
    resource_type: f.resourceType,
    seq: f.seq,
  });
  return hmacSha256Hex(key, `${prevHash}\n${canonical}`);
}
