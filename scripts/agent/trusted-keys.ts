import type { TrustedKey } from "../../src/bundles/verify";
import type { NodeClient } from "./protocol";
import type { Identity, StateStore } from "./state";

/** Keys bundles must be signed with: pinned at registration (and since) plus operator-supplied ones. */
export function trustedKeys(identity: Identity, extra: readonly TrustedKey[]): TrustedKey[] {
  return [...identity.signing_keys.map((k) => ({ kid: k.kid, publicKey: k.public_key })), ...extra];
}

/**
 * Fetches the project's published keys over the node's authenticated channel and pins the new
 * ones in the identity file. Pinned keys only ever grow: retired keys still verify bundles
 * signed before a rotation. Returns how many keys were added.
 */
export async function pinPublishedKeys(
  client: NodeClient,
  identity: Identity,
  store: StateStore,
  signal?: AbortSignal,
): Promise<number> {
  const published = await client.signingKeys(signal);
  const known = new Set(identity.signing_keys.map((k) => k.kid));
  const added = published.filter((k) => !known.has(k.kid));
  if (added.length > 0) {
    identity.signing_keys.push(...added);
    await store.saveIdentity(identity);
  }
  return added.length;
}
