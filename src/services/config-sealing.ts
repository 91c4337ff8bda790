/**
 * Sealing of config secrets and certificate private keys at rest: the same AES-256-GCM scheme
 * as signing keys (`bundles/key-encryption.ts`), with a context that binds the sealed value to
 * its project, row and version, so a sealed value copied to another row or version fails to open.
 */

import { utf8Decode, utf8Encode } from "../bundles/bytes";
import { decryptPrivateKey, encryptPrivateKey } from "../bundles/key-encryption";

/** What is sealed: a secret's value or a certificate's private key (PEM). */
export type SealedKind = "secret" | "certificate-key";

const context = (kind: SealedKind, projectId: string, id: string, version: number) =>
  `zcp:config-${kind}:${projectId}:${id}:v${version}`;

/** Seals `value` for the row (kind, project, id, version). */
export function sealValue(
  masterKey: string,
  kind: SealedKind,
  row: { projectId: string; id: string; version: number },
  value: string,
): Promise<string> {
  return encryptPrivateKey(
    utf8Encode(value),
    masterKey,
    context(kind, row.projectId, row.id, row.version),
  );
}

/** Opens a value sealed by {@link sealValue} for the same row. */
export async function openValue(
  masterKey: string,
  kind: SealedKind,
  row: { projectId: string; id: string; version: number },
  sealed: string,
): Promise<string> {
  const bytes = await decryptPrivateKey(
    sealed,
    masterKey,
    context(kind, row.projectId, row.id, row.version),
  );
  return utf8Decode(bytes);
}
