/**
 * What a node verifies before activating a bundle (bundle-format.md, steps 1–5). The signature is
 * checked with WebCrypto Ed25519, an implementation independent of the @noble signer.
 * Never throws: every failure is a typed result naming the step, so the agent can report it and
 * quarantine the bundle id.
 */
import { sha256Hex, strictBytes, utf8Decode } from "./bytes";
import {
  CHECKSUMS_PATH,
  MANIFEST_PATH,
  type Manifest,
  METADATA_PATHS,
  parseManifest,
  renderChecksums,
  SIGNATURE_PATH,
} from "./manifest";
import { decodePublicKey, parseSignatureFile } from "./signing";
import { readTar } from "./tar";
import { zstdDecompress } from "./zstd";

/** The spec step that rejected a bundle. */
export type VerifyStep = "checksum" | "untar" | "signature" | "digest" | "files";

/** A pinned public key: its id and base64url raw 32 bytes. */
export type TrustedKey = { kid: string; publicKey: string };

/** Inputs of {@link verifyBundle}, taken from the bundle offer and the node's pinned keys. */
export type VerifyBundleInput = {
  archive: Uint8Array;
  /** The offer's `checksum`: hex SHA-256 of the archive bytes. */
  expectedChecksum: string;
  bundleId: string;
  publicKeys: readonly TrustedKey[];
};

/** Outcome of {@link verifyBundle}. `files` holds every manifest-listed file (configs + SBOM). */
export type VerifyBundleResult =
  | { ok: true; files: Record<string, Uint8Array>; manifest: Manifest }
  | { ok: false; step: VerifyStep; reason: string };

type Failure = Extract<VerifyBundleResult, { ok: false }>;

function failure(step: VerifyStep, reason: string): Failure {
  return { ok: false, step, reason };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unpack(archive: Uint8Array): Map<string, Uint8Array> | Failure {
  try {
    return new Map(readTar(zstdDecompress(archive)).map((e) => [e.path, e.data]));
  } catch (error) {
    return failure("untar", message(error));
  }
}

async function checkSignature(
  entries: Map<string, Uint8Array>,
  publicKeys: readonly TrustedKey[],
): Promise<Failure | null> {
  const manifestBytes = entries.get(MANIFEST_PATH);
  const sigBytes = entries.get(SIGNATURE_PATH);
  if (manifestBytes === undefined || sigBytes === undefined) {
    return failure("signature", `${MANIFEST_PATH} or ${SIGNATURE_PATH} is missing`);
  }
  try {
    const { file, signature } = parseSignatureFile(sigBytes);
    const pinned = publicKeys.find((key) => key.kid === file.kid);
    if (pinned === undefined) {
      return failure("signature", `unknown key id ${file.kid}`);
    }
    const key = await crypto.subtle.importKey(
      "raw",
      decodePublicKey(pinned.publicKey),
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    const valid = await crypto.subtle.verify(
      { name: "Ed25519" },
      key,
      signature,
      strictBytes(manifestBytes),
    );
    return valid ? null : failure("signature", `signature does not verify with key ${file.kid}`);
  } catch (error) {
    return failure("signature", message(error));
  }
}

async function checkFiles(
  entries: Map<string, Uint8Array>,
  bundleId: string,
): Promise<{ manifest: Manifest } | Failure> {
  let manifest: Manifest;
  try {
    manifest = parseManifest(entries.get(MANIFEST_PATH) ?? new Uint8Array(0));
  } catch (error) {
    return failure("files", message(error));
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const path of entries.keys()) {
    if (!listed.has(path) && !METADATA_PATHS.has(path)) {
      return failure("files", `entry ${path} is not listed in the manifest`);
    }
  }
  for (const file of manifest.files) {
    const data = entries.get(file.path);
    if (data === undefined) {
      return failure("files", `listed file ${file.path} is missing`);
    }
    if (data.byteLength !== file.size) {
      return failure(
        "files",
        `${file.path} is ${data.byteLength} bytes, manifest says ${file.size}`,
      );
    }
    if ((await sha256Hex(data)) !== file.sha256) {
      return failure("files", `${file.path} does not match its manifest SHA-256`);
    }
  }
  // checksums.txt is not signed; require it to say exactly what the signed manifest says, so an
  // operator running `sha256sum -c` on an extracted bundle is never misled.
  const expected = renderChecksums([...manifest.files, { path: MANIFEST_PATH, sha256: bundleId }]);
  const checksums = entries.get(CHECKSUMS_PATH);
  let actual: string | null = null;
  try {
    actual = checksums === undefined ? null : utf8Decode(checksums);
  } catch {
    actual = null;
  }
  if (actual !== expected) {
    return failure("files", `${CHECKSUMS_PATH} is missing or disagrees with the manifest`);
  }
  return { manifest };
}

/**
 * Verifies a downloaded bundle: (1) archive SHA-256 equals the offer checksum, (2) zstd + strict
 * untar, (3) manifest.sig verifies over the exact manifest.json bytes with the pinned key `kid`,
 * (4) SHA-256 of manifest.json equals the bundle id, (5) every listed file is present with its
 * size and SHA-256 and nothing else is present but the metadata entries (checksums.txt must match).
 */
export async function verifyBundle(input: VerifyBundleInput): Promise<VerifyBundleResult> {
  const checksum = await sha256Hex(input.archive);
  if (checksum !== input.expectedChecksum.toLowerCase()) {
    return failure("checksum", `archive SHA-256 ${checksum} != offered ${input.expectedChecksum}`);
  }
  const entries = unpack(input.archive);
  if (!(entries instanceof Map)) {
    return entries;
  }
  const signatureFailure = await checkSignature(entries, input.publicKeys);
  if (signatureFailure !== null) {
    return signatureFailure;
  }
  const digest = await sha256Hex(entries.get(MANIFEST_PATH) ?? new Uint8Array(0));
  if (digest !== input.bundleId.toLowerCase()) {
    return failure("digest", `manifest SHA-256 ${digest} != bundle id ${input.bundleId}`);
  }
  const checked = await checkFiles(entries, digest);
  if (!("manifest" in checked)) {
    return checked;
  }
  const files = Object.fromEntries(
    checked.manifest.files.map((f) => [f.path, entries.get(f.path) ?? new Uint8Array(0)]),
  );
  return { ok: true, files, manifest: checked.manifest };
}
