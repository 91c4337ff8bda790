/**
 * Embedded Zentinel config validator: a pure TypeScript re-implementation of what
 * `zentinel validate --skip-network --skip-agents --skip-certs` checks (proxy v0.6.20), over
 * in-memory files so it runs inside Workers.
 *
 * Pipeline, in the proxy's order:
 * 1. KDL v2 syntax and `include` expansion (`includes.ts`) — fatal: later stages do not run.
 * 2. Parse stage (`schema/`): the proxy stops at its first error; we recover per item so every
 *    error is listed, with the proxy's error first.
 * 3. `Config::validate()` (`rules/`): schema version, aggregated semantic rules, limits.
 *
 * Differences from the proxy, all deliberate:
 * - Several errors are reported where the proxy stops at the first; `errors[0]` is the proxy's.
 * - Filesystem and network checks are not run; each applicable one is reported once as a warning.
 * - A literal (wildcard-free) `include` naming a file missing from the bundle is an error (the
 *   proxy only logs "Include pattern matched no files" and goes on without the file).
 * - "Available …" lists that the proxy prints in HashSet order are sorted.
 * - Syntax error messages are the proxy's fixed text; the parser's explanation is in `detail`.
 */
import { type Diagnostic, DiagnosticSink } from "./diagnostics.js";
import { expandIncludes } from "./includes.js";
import type { ConfigModel } from "./model.js";
import { runRules } from "./rules/index.js";
import { parseDocument } from "./schema/document.js";
import { buildModel } from "./summary/build.js";

export type { Diagnostic } from "./diagnostics.js";
export type * from "./model.js";
export { describeComponents } from "./summary/describe.js";

/** Input: the entry path (normally `zentinel.kdl`) and every file of the bundle by relative path. */
export interface ValidationInput {
  entry: string;
  files: Record<string, string>;
}

/** Outcome of {@link validateConfig}. */
export interface ValidationResult {
  /** False iff `errors` is non-empty. */
  ok: boolean;
  /** Every error, in the proxy's order (`errors[0]` is what the proxy would print). */
  errors: Diagnostic[];
  /** Proxy log-level warnings and the node-local checks that were skipped. */
  warnings: Diagnostic[];
  /** The config summary; null unless the config is valid. */
  model: ConfigModel | null;
  /** Every file reached from the entry through includes (entry included), sorted. */
  includedFiles: string[];
}

/** Validates a config bundle the way the proxy would. Pure: no I/O, no clock. */
export function validateConfig(input: ValidationInput): ValidationResult {
  const expanded = expandIncludes(input.entry, input.files);
  if (expanded.nodes === null) {
    return {
      ok: false,
      errors: expanded.errors,
      warnings: expanded.warnings,
      model: null,
      includedFiles: expanded.includedFiles,
    };
  }
  const sink = new DiagnosticSink(expanded.sources);
  sink.warnings.push(...expanded.warnings);
  const { config, broken } = parseDocument(expanded.nodes, sink, input.entry);
  runRules({ config, broken, sink, entryFile: input.entry });
  const ok = sink.errors.length === 0;
  return {
    ok,
    errors: sink.errors,
    warnings: sink.warnings,
    model: ok ? buildModel(config) : null,
    includedFiles: expanded.includedFiles,
  };
}
