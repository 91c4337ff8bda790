/**
 * Builds a v1 bundle archive (tar.zst): config files as submitted, sbom.cdx.json, manifest.json,
 * manifest.sig, checksums.txt. The bundle id is the SHA-256 of manifest.json, which covers the
 * project id, the entrypoint and every payload file, but not the signature: the same content
 * signed by a different key has the same bundle id.
 */
import { sha256Hex, utf8Encode } from "./bytes";
import {
  BUNDLE_ENTRYPOINT,
  buildManifest,
  CHECKSUMS_PATH,
  describeFiles,
  MANIFEST_PATH,
  type Manifest,
  renderChecksums,
  SBOM_PATH,
  SIGNATURE_PATH,
} from "./manifest";
import { entryPathProblem } from "./paths";
import { buildSbom, type SbomComponent } from "./sbom";
import { type SigningKey, signManifest } from "./signing";
import { fitsUstar, writeTar } from "./tar";
import { zstdCompress } from "./zstd";

/** Content of a bundle: everything the bundle id depends on. */
export type BundleContent = {
  projectId: string;
  /** Always `zentinel.kdl` in format v1; present so call sites state it. */
  entry?: typeof BUNDLE_ENTRYPOINT;
  /** Config files by relative path (`*.kdl`), text exactly as submitted. */
  files: Record<string, string>;
  /** Elements of the parsed config, for the SBOM. */
  components: readonly SbomComponent[];
};

/** Inputs of {@link buildBundleArchive}. */
export type BuildBundleInput = BundleContent & { signingKey: SigningKey };

/** A built, signed bundle ready for upload to R2. */
export type BuiltBundle = {
  bundleId: string;
  /** The tar.zst bytes. */
  archive: Uint8Array<ArrayBuffer>;
  /** Lowercase hex SHA-256 of `archive` (what nodes check first). */
  checksum: string;
  sizeBytes: number;
  manifest: Manifest;
  manifestBytes: Uint8Array<ArrayBuffer>;
  /** Base64 Ed25519 signature over `manifestBytes`. */
  signature: string;
  kid: string;
};

/** Raised for config file sets that cannot form a bundle. */
export class BundleInputError extends Error {
  override name = "BundleInputError";
}

function configFileBytes(content: BundleContent): Map<string, Uint8Array> {
  if (content.projectId === "") {
    throw new BundleInputError("projectId is empty");
  }
  if (content.entry !== undefined && content.entry !== BUNDLE_ENTRYPOINT) {
    throw new BundleInputError(`the entry file must be ${BUNDLE_ENTRYPOINT}`);
  }
  if (!Object.hasOwn(content.files, BUNDLE_ENTRYPOINT)) {
    throw new BundleInputError(`the entry file ${BUNDLE_ENTRYPOINT} is missing`);
  }
  const out = new Map<string, Uint8Array>();
  for (const [path, text] of Object.entries(content.files)) {
    const problem = entryPathProblem(path);
    if (problem !== null) {
      throw new BundleInputError(`${problem}: ${JSON.stringify(path)}`);
    }
    // Only *.kdl config files; this also keeps them clear of the reserved metadata names.
    if (!path.endsWith(".kdl")) {
      throw new BundleInputError(`config files must be *.kdl: ${JSON.stringify(path)}`);
    }
    if (!fitsUstar(path)) {
      throw new BundleInputError(`path too long for the archive: ${JSON.stringify(path)}`);
    }
    out.set(path, utf8Encode(text));
  }
  return out;
}

/** Payload (config files + SBOM) and the manifest over it. */
async function prepare(content: BundleContent) {
  const payload = configFileBytes(content);
  const configFiles = await describeFiles(payload);
  const sbom = await buildSbom({
    projectId: content.projectId,
    components: content.components,
    configFiles,
  });
  payload.set(SBOM_PATH, sbom.bytes);
  const files = await describeFiles(payload);
  const built = await buildManifest({
    projectId: content.projectId,
    entrypoint: BUNDLE_ENTRYPOINT,
    files,
  });
  return { payload, files, ...built };
}

/**
 * The bundle id the content would get, without signing or archiving (lets the compile pipeline
 * dedupe before doing the work). Equals `buildBundleArchive(...).bundleId` for the same content.
 */
export async function computeBundleId(
  projectId: string,
  files: Record<string, string>,
  components: readonly SbomComponent[],
): Promise<string> {
  return (await prepare({ projectId, files, components })).bundleId;
}

/**
 * Builds and signs the archive. Deterministic: the same content and key give byte-identical
 * output (Ed25519 signatures are deterministic; zstd output is fixed for a given zstd version).
 * Throws {@link BundleInputError} for unusable files and `SigningError` for a kid/key mismatch.
 */
export async function buildBundleArchive(input: BuildBundleInput): Promise<BuiltBundle> {
  const { payload, files, manifest, bytes: manifestBytes, bundleId } = await prepare(input);
  const signed = await signManifest(manifestBytes, input.signingKey);
  // The manifest's own SHA-256 is the bundle id; checksums.txt lists it so `sha256sum -c` covers it.
  const checksums = renderChecksums([...files, { path: MANIFEST_PATH, sha256: bundleId }]);
  const tar = writeTar([
    ...[...payload].map(([path, data]) => ({ path, data })),
    { path: MANIFEST_PATH, data: manifestBytes },
    { path: SIGNATURE_PATH, data: signed.fileBytes },
    { path: CHECKSUMS_PATH, data: utf8Encode(checksums) },
  ]);
  const archive = zstdCompress(tar);
  return {
    bundleId,
    archive,
    checksum: await sha256Hex(archive),
    sizeBytes: archive.byteLength,
    manifest,
    manifestBytes,
    signature: signed.signature,
    kid: signed.file.kid,
  };
}
