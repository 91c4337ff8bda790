import type { Diagnostic } from "./types";

/** One finding of GET …/config/preview (PreviewDiagnostic in src/api/config/build-schema.ts). */
export interface PreviewDiagnostic {
  severity: "error" | "warning";
  source: "model" | "validator";
  message: string;
  path?: string;
  file?: string;
  line?: number;
  column?: number;
  rule?: string;
  detail?: string;
}

/** The answer of GET …/config/preview. */
export interface ConfigPreview {
  files: Record<string, string>;
  valid: boolean;
  diagnostics: PreviewDiagnostic[];
  secret_refs: Array<{ kind: "secret" | "certificate"; name: string }>;
  diff: { against: string; unified: string; added: number; removed: number } | null;
}

/** Validator findings that point into `file` (with a line), in the viewer's shape. */
export function lineDiagnostics(diags: PreviewDiagnostic[], file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diags) {
    if (d.file === file && d.line !== undefined) {
      out.push({
        file,
        line: d.line,
        column: d.column ?? 1,
        message: d.message,
        rule: d.rule,
        severity: d.severity,
      });
    }
  }
  return out;
}

/** Where a finding points: the entity field for model findings, file:line:column otherwise. */
export function diagnosticWhere(d: PreviewDiagnostic): string {
  if (d.path) {
    return d.path;
  }
  if (d.file) {
    return `${d.file}${d.line !== undefined ? `:${d.line}:${d.column ?? 1}` : ""}`;
  }
  return d.source;
}
