/**
 * The secret material a node needs for one bundle: exactly the secrets and certificates that
 * bundle references (recorded at compile time in bundle_secret_refs), opened from their sealed
 * form. Callers must have checked that the bundle is the node's desired bundle.
 */
import { and, eq, inArray } from "drizzle-orm";
import { bundleSecretRefs, configCertificates, configSecrets } from "../db/schema";
import { openValue } from "./config-sealing";
import type { Db } from "./index";

/** One file the agent writes (0600) under its secrets directory. */
export interface SecretFile {
  /** File name relative to the secrets directory, as the generated config names it. */
  path: string;
  kind: "secret" | "certificate" | "certificate-key";
  name: string;
  version: number;
  content: string;
}

/** The files of a bundle's references, sorted by path, and references that no longer exist. */
export async function secretFilesFor(
  db: Db,
  masterKey: string,
  projectId: string,
  bundleId: string,
): Promise<{ files: SecretFile[]; missing: string[] }> {
  const refs = await db
    .select()
    .from(bundleSecretRefs)
    .where(and(eq(bundleSecretRefs.bundleId, bundleId), eq(bundleSecretRefs.projectId, projectId)));
  const secretNames = refs.filter((r) => r.kind === "secret").map((r) => r.name);
  const certNames = refs.filter((r) => r.kind === "certificate").map((r) => r.name);
  const [secrets, certs] = await Promise.all([
    secretNames.length === 0
      ? []
      : db
          .select()
          .from(configSecrets)
          .where(
            and(eq(configSecrets.projectId, projectId), inArray(configSecrets.name, secretNames)),
          ),
    certNames.length === 0
      ? []
      : db
          .select()
          .from(configCertificates)
          .where(
            and(
              eq(configCertificates.projectId, projectId),
              inArray(configCertificates.name, certNames),
            ),
          ),
  ]);
  const files: SecretFile[] = [];
  for (const s of secrets) {
    files.push({
      path: s.name,
      kind: "secret",
      name: s.name,
      version: s.version,
      content: await openValue(masterKey, "secret", s, s.sealedValue),
    });
  }
  for (const c of certs) {
    const chain = c.chainPem ? `${c.certPem.trimEnd()}\n${c.chainPem.trimEnd()}\n` : c.certPem;
    files.push(
      {
        path: `cert-${c.name}.crt`,
        kind: "certificate",
        name: c.name,
        version: c.version,
        content: chain,
      },
      {
        path: `cert-${c.name}.key`,
        kind: "certificate-key",
        name: c.name,
        version: c.version,
        content: await openValue(masterKey, "certificate-key", c, c.sealedKey),
      },
    );
  }
  const found = new Set([
    ...secrets.map((s) => `secret/${s.name}`),
    ...certs.map((c) => `certificate/${c.name}`),
  ]);
  return {
    files: files.sort((a, b) => (a.path < b.path ? -1 : 1)),
    missing: refs
      .map((r) => `${r.kind}/${r.name}`)
      .filter((k) => !found.has(k))
      .sort(),
  };
}
