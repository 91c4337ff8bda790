/**
 * manifest.json and checksums.txt of a v1 bundle (see docs: shared/spec/bundle-format.md).
 * bundle_id = lowercase hex SHA-256 of the manifest.json bytes.
 */
import { compareUtf8, sha256Hex, utf8Decode } from "./bytes";
import { canonicalJson, canonicalJsonBytes } from "./canonical-json";
import { entryPathProblem } from "./paths";

/** Path of the canonical-JSON manifest inside the archive. */
export const MANIFEST_PATH = "manifest.json";
/** Path of the detached Ed25519 signature over the manifest bytes. */
export const SIGNATURE_PATH = "manifest.sig";
/** Path of the sha256sum-format checksum list. */
export const CHECKSUMS_PATH = "checksums.txt";
/** Path of the CycloneDX SBOM. */
export const SBOM_PATH = "sbom.cdx.json";
/** The entry config file of every bundle. */
export const BUNDLE_ENTRYPOINT = "zentinel.kdl";
/** `schema_version` written and accepted by this code. */
export const MANIFEST_SCHEMA_VERSION = 1;
/** `compat.zentinel_schema`: the Zentinel config schema the bundle targets. */
export const ZENTINEL_SCHEMA_VERSION = "1.0";
/** Entries that describe the bundle rather than belong to it; never listed in `files`. */
export const METADATA_PATHS: ReadonlySet<string> = new Set([
  MANIFEST_PATH,
  SIGNATURE_PATH,
  CHECKSUMS_PATH,
]);

/** One payload file as listed in the manifest. */
export type ManifestFile = { path: string; sha256: string; size: number };

/** The v1 manifest object (serialised with canonical JSON). */
export type Manifest = {
  compat: { zentinel_schema: string };
  entrypoint: string;
  files: ManifestFile[];
  project_id: string;
  schema_version: typeof MANIFEST_SCHEMA_VERSION;
};

/** Raised when a manifest cannot be built or parsed. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Hashes payload files into manifest entries, sorted bytewise by path. */
export async function describeFiles(
  files: ReadonlyMap<string, Uint8Array>,
): Promise<ManifestFile[]> {
  const described = await Promise.all(
    [...files].map(async ([path, data]) => ({
      path,
      sha256: await sha256Hex(data),
      size: data.byteLength,
    })),
  );
  return described.sort((a, b) => compareUtf8(a.path, b.path));
}

/**
 * Builds the manifest and its exact bytes. `files` must be the payload entries (everything except
 * manifest.json, manifest.sig and checksums.txt) and must include the entrypoint.
 */
export async function buildManifest(input: {
  projectId: string;
  entrypoint: string;
  files: readonly ManifestFile[];
}): Promise<{ manifest: Manifest; bytes: Uint8Array<ArrayBuffer>; bundleId: string }> {
  const files = [...input.files].sort((a, b) => compareUtf8(a.path, b.path));
  const manifest: Manifest = {
    compat: { zentinel_schema: ZENTINEL_SCHEMA_VERSION },
    entrypoint: input.entrypoint,
    files,
    project_id: input.projectId,
    schema_version: MANIFEST_SCHEMA_VERSION,
  };
  checkManifest(manifest);
  const bytes = canonicalJsonBytes(manifest);
  return { manifest, bytes, bundleId: await sha256Hex(bytes) };
}

/**
 * checksums.txt in `sha256sum` format: `<hex>  <path>\n` per entry, sorted bytewise by path.
 * Entry paths never contain a newline or backslash, so no sha256sum escaping is needed.
 */
export function renderChecksums(entries: ReadonlyArray<{ path: string; sha256: string }>): string {
  return [...entries]
    .sort((a, b) => compareUtf8(a.path, b.path))
    .map((entry) => `${entry.sha256}  ${entry.path}\n`)
    .join("");
}

function fail(reason: string): never {
  throw new ManifestError(reason);
}

function checkKeys(value: object, keys: readonly string[], where: string): void {
  const actual = Object.keys(value).sort();
  if (actual.join("\n") !== [...keys].sort().join("\n")) {
    fail(`${where} must have exactly the keys ${keys.join(", ")}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkFile(value: unknown, i: number): ManifestFile {
  const where = `files[${i}]`;
  if (!isObject(value)) {
    return fail(`${where} is not an object`);
  }
  checkKeys(value, ["path", "sha256", "size"], where);
  const { path, sha256, size } = value;
  if (typeof path !== "string" || entryPathProblem(path) !== null || METADATA_PATHS.has(path)) {
    fail(`${where}.path is not an acceptable payload path`);
  }
  if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) {
    fail(`${where}.sha256 is not lowercase hex SHA-256`);
  }
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    fail(`${where}.size is not a non-negative integer`);
  }
  return { path, sha256, size };
}

/** Validates a manifest-shaped value (v1), returning it typed. Throws {@link ManifestError}. */
export function checkManifest(value: unknown): Manifest {
  if (!isObject(value)) {
    return fail("manifest is not an object");
  }
  checkKeys(value, ["compat", "entrypoint", "files", "project_id", "schema_version"], "manifest");
  const { compat, entrypoint, files, project_id: projectId, schema_version: version } = value;
  if (version !== MANIFEST_SCHEMA_VERSION) {
    fail(`unsupported schema_version ${JSON.stringify(version)}`);
  }
  if (!isObject(compat) || typeof compat.zentinel_schema !== "string") {
    return fail("compat.zentinel_schema must be a string");
  }
  checkKeys(compat, ["zentinel_schema"], "compat");
  if (typeof projectId !== "string" || projectId === "") {
    fail("project_id must be a non-empty string");
  }
  if (!Array.isArray(files)) {
    return fail("files must be an array");
  }
  const checked = files.map((file: unknown, i) => checkFile(file, i));
  for (let i = 1; i < checked.length; i++) {
    if (compareUtf8(checked[i - 1]?.path ?? "", checked[i]?.path ?? "") >= 0) {
      fail("files must be sorted bytewise by path without duplicates");
    }
  }
  if (typeof entrypoint !== "string" || !checked.some((file) => file.path === entrypoint)) {
    fail("entrypoint must name a listed file");
  }
  return {
    compat: { zentinel_schema: compat.zentinel_schema },
    entrypoint,
    files: checked,
    project_id: projectId,
    schema_version: MANIFEST_SCHEMA_VERSION,
  };
}

/**
 * Parses manifest.json bytes: strict UTF-8, valid v1 shape, and byte-identical to its canonical
 * re-serialisation (so duplicate keys, whitespace or reordering are rejected).
 */
export function parseManifest(bytes: Uint8Array): Manifest {
  let text: string;
  let parsed: unknown;
  try {
    text = utf8Decode(bytes);
    parsed = JSON.parse(text);
  } catch {
    return fail("manifest.json is not UTF-8 JSON");
  }
  const manifest = checkManifest(parsed);
  let canonical: string | undefined;
  try {
    canonical = canonicalJson(parsed);
  } catch {
    canonical = undefined;
  }
  if (canonical !== text) {
    fail("manifest.json is not in canonical form");
  }
  return manifest;
}
