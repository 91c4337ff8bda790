/**
 * The authoritative validation step of a compile. The embedded validator always runs: it yields
 * the parsed model the SBOM and the bundle id are built from. In `container` mode the real
 * `zentinel validate` in the ValidatorContainer must also accept the config; when it cannot be
 * reached the step throws and the compile is retried, never skipped (fail closed).
 */

import { formatDiagnostics, type PreparedBundle, prepareBundle } from "../bundles/pipeline";
import type { Diagnostic } from "../kdl/index";
import type { ContainerValidation } from "../rpc/validator";
import type { BundleRow, Services } from "../services";

/**
 * Container instances the compile consumer spreads work over (keep ≤ `max_instances` of the
 * `[[containers]]` entry in wrangler.toml).
 */
export const VALIDATOR_POOL_SIZE = 5;

/** What the validator said. `output` becomes the bundle's compiler_output. */
export type Verdict =
  | { ok: true; prepared: PreparedBundle; output: string }
  | { ok: false; output: string; diagnostics: Diagnostic[] };

/** The container could not give a verdict; the compile is retried with backoff. */
export class ValidatorUnreachableError extends Error {
  override name = "ValidatorUnreachableError";
}

function embeddedOutput(warnings: readonly Diagnostic[]): string {
  const head = `embedded validator: configuration valid (${warnings.length} warning${warnings.length === 1 ? "" : "s"})`;
  return warnings.length === 0 ? head : `${head}\n${formatDiagnostics(warnings)}`;
}

/** Picks a container instance by bundle id, so retries of one bundle hit the same warm one. */
function containerFor(services: Services, bundleId: string) {
  const slot = Number.parseInt(bundleId.slice(0, 8), 16) % VALIDATOR_POOL_SIZE;
  return services.validator.get(services.validator.idFromName(`validator-${slot}`));
}

async function runContainer(services: Services, bundle: BundleRow): Promise<ContainerValidation> {
  try {
    // Errors crossing the RPC boundary lose their class, so every failure here is "no verdict".
    return await containerFor(services, bundle.id).validate("zentinel.kdl", bundle.files);
  } catch (err) {
    throw new ValidatorUnreachableError(
      `validator container unavailable: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Validates a stored bundle's files according to `VALIDATOR_MODE`. */
export async function validateForCompile(services: Services, bundle: BundleRow): Promise<Verdict> {
  const prepared = await prepareBundle(bundle.projectId, bundle.files);
  if (!prepared.ok) {
    return {
      ok: false,
      output: `embedded validator rejected the configuration:\n${formatDiagnostics(prepared.errors)}`,
      diagnostics: [...prepared.errors, ...prepared.warnings],
    };
  }
  if (services.config.VALIDATOR_MODE === "embedded") {
    return { ok: true, prepared, output: embeddedOutput(prepared.warnings) };
  }
  const verdict = await runContainer(services, bundle);
  const version = verdict.zentinelVersion ?? "unknown version";
  const output = `zentinel validate (${version}) exited with ${verdict.exitCode}\n${verdict.output}`;
  if (verdict.exitCode !== 0) {
    return { ok: false, output, diagnostics: prepared.warnings };
  }
  return { ok: true, prepared, output };
}
