/**
 * The pure part of the compile pipeline, shared by the create route (validate at once, compute
 * the id, dedupe), the compile consumer (authoritative validation, archive, sign) and the tests:
 * submitted files → embedded validation → bundle content (included files + SBOM components) →
 * bundle id / signed archive. No bindings, no clock.
 *
 * Invariant: the id computed by {@link prepareBundle} equals the `bundleId` that
 * {@link buildPreparedBundle} produces for the same files and validator version, because both go
 * through the same content (files reached from the entry, components from the same model).
 */
import { type Diagnostic, describeComponents, validateConfig } from "../kdl/index";
import type { ConfigModel } from "../kdl/model";
import { type BuiltBundle, buildBundleArchive, computeBundleId } from "./archive";
import { utf8Encode } from "./bytes";
import { BUNDLE_ENTRYPOINT, describeFiles } from "./manifest";
import { entryPathProblem } from "./paths";
import { buildSbom, type SbomComponent } from "./sbom";
import type { SigningKey } from "./signing";
import { fitsUstar, readTar } from "./tar";
import { zstdDecompress } from "./zstd";

/** Rule id of the warning for submitted files that no `include` reaches (they are dropped). */
export const UNREFERENCED_FILE_RULE = "unreferenced-file";

/** A config that passed embedded validation, with everything its bundle id depends on. */
export interface PreparedBundle {
  ok: true;
  bundleId: string;
  /** The files the bundle carries: the entry and every file reached through includes. */
  files: Record<string, string>;
  components: SbomComponent[];
  model: ConfigModel;
  warnings: Diagnostic[];
}

/** A config the embedded validator rejected. */
export interface RejectedBundle {
  ok: false;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/**
 * Why a submitted extra-file path cannot be part of a bundle, or null when it can. Checked before
 * validation so a bad path is a 400 listing every problem rather than a failure deep in the tar
 * writer.
 */
export function submittedPathProblem(path: string): string | null {
  if (path === BUNDLE_ENTRYPOINT) {
    return `${BUNDLE_ENTRYPOINT} is the entry file; send it as 'config'`;
  }
  const problem = entryPathProblem(path);
  if (problem !== null) {
    return problem;
  }
  if (!path.endsWith(".kdl")) {
    return "config files must end in .kdl";
  }
  if (!fitsUstar(path)) {
    return "path is too long for the archive (ustar: 100-byte name, 155-byte prefix)";
  }
  return null;
}

/** The full file map of a submission: extra files plus the entry. */
export function submissionFiles(
  config: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...extra, [BUNDLE_ENTRYPOINT]: config };
}

/**
 * Validates a submission with the embedded validator and, when valid, computes its bundle id.
 * Submitted files that no include reaches are dropped from the bundle with a warning each (the
 * node would never read them, and they must not change the id).
 */
export async function prepareBundle(
  projectId: string,
  files: Record<string, string>,
): Promise<PreparedBundle | RejectedBundle> {
  const result = validateConfig({ entry: BUNDLE_ENTRYPOINT, files });
  if (!result.ok || result.model === null) {
    return { ok: false, errors: result.errors, warnings: result.warnings };
  }
  const included = new Set(result.includedFiles);
  const kept: Record<string, string> = {};
  const warnings = [...result.warnings];
  for (const path of Object.keys(files).sort()) {
    const text = files[path];
    if (text === undefined) {
      continue;
    }
    if (included.has(path)) {
      kept[path] = text;
    } else {
      warnings.push({
        file: path,
        line: 1,
        column: 1,
        message: `'${path}' is not reached by any include from ${BUNDLE_ENTRYPOINT}; it is not part of the bundle`,
        rule: UNREFERENCED_FILE_RULE,
      });
    }
  }
  const components: SbomComponent[] = describeComponents(result.model);
  return {
    ok: true,
    bundleId: await computeBundleId(projectId, kept, components),
    files: kept,
    components,
    model: result.model,
    warnings,
  };
}

/** Builds and signs the archive of a prepared bundle. */
export function buildPreparedBundle(
  projectId: string,
  prepared: PreparedBundle,
  signingKey: SigningKey,
): Promise<BuiltBundle> {
  return buildBundleArchive({
    projectId,
    entry: BUNDLE_ENTRYPOINT,
    files: prepared.files,
    components: prepared.components,
    signingKey,
  });
}

/** The parsed model of stored bundle files, or null when they no longer validate. */
export function parseStoredConfig(files: Record<string, string>): ConfigModel | null {
  return validateConfig({ entry: BUNDLE_ENTRYPOINT, files }).model;
}

/** `file:line:column: message` lines, as compilers print them. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}${d.detail ? ` (${d.detail})` : ""}`)
    .join("\n");
}

/**
 * The sbom.cdx.json bytes a prepared bundle's archive carries, rebuilt without archiving: the
 * same inputs as {@link buildPreparedBundle}, so the bytes are identical.
 */
export async function rebuildSbom(
  projectId: string,
  prepared: PreparedBundle,
): Promise<Uint8Array<ArrayBuffer>> {
  const configFiles = await describeFiles(
    new Map(Object.entries(prepared.files).map(([path, text]) => [path, utf8Encode(text)])),
  );
  return (await buildSbom({ projectId, components: prepared.components, configFiles })).bytes;
}

/** One entry of a bundle archive (strict reader), or null when it has no such entry. */
export function archiveEntry(archive: Uint8Array, path: string): Uint8Array | null {
  return readTar(zstdDecompress(archive)).find((entry) => entry.path === path)?.data ?? null;
}
