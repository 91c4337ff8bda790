import { sha256Hex } from "../../auth/crypto";
import { mintNodeKey } from "../../auth/tokens";
import type { Services } from "../../services";

/** How long after a registration a retry with the same Idempotency-Key is answered again. */
export const REGISTRATION_RETRY_WINDOW_MS = 10 * 60_000;

/** Idempotency keys: what clients generate (a UUID or 16+ random url-safe characters). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The stored fingerprint of a registration attempt. Binding it to the enrollment token means a
 * key observed elsewhere is useless without that token.
 */
export function registrationHash(tokenId: string, idempotencyKey: string): Promise<string> {
  return sha256Hex(`${tokenId}\n${idempotencyKey}`);
}

/**
 * Answers a retried registration whose first response was lost (timeout, dropped connection):
 * same token, same Idempotency-Key, same name, within REGISTRATION_RETRY_WINDOW_MS, and the node
 * has never authenticated since (no heartbeat, no token). The node keeps its id and gets a fresh
 * key — the lost response's key was never seen by anyone, and it stops working. Returns null
 * when the conditions do not hold (then the name is simply taken: 409).
 */
export async function retryRegistration(
  services: Pick<Services, "d1" | "clock">,
  projectId: string,
  name: string,
  hash: string,
): Promise<{ nodeId: string; nodeKey: string } | null> {
  const nodeKey = await mintNodeKey();
  const row = await services.d1
    .prepare(
      `UPDATE nodes SET key_hash = ?
       WHERE project_id = ? AND name = ? AND registration_hash = ? AND revoked_at IS NULL
         AND last_heartbeat_at IS NULL AND token_issued_at IS NULL AND registered_at > ?
       RETURNING id`,
    )
    .bind(nodeKey.hash, projectId, name, hash, services.clock.now() - REGISTRATION_RETRY_WINDOW_MS)
    .first<{ id: string }>();
  return row ? { nodeId: row.id, nodeKey: nodeKey.value } : null;
}
