import { z } from "@hono/zod-openapi";
import type { GeneratorProblem } from "../../domain/config/generate";
import type { Diagnostic } from "../../kdl/index";
import type { ModelBuild } from "../../services/config-compile";

/** One finding of a preview: a generator problem (path) or a validator diagnostic (line/column). */
export const previewDiagnosticSchema = z
  .object({
    severity: z.enum(["error", "warning"]),
    source: z.enum(["model", "validator"]),
    message: z.string(),
    path: z
      .string()
      .optional()
      .openapi({ description: "`<kind>/<name>.<field>` (model findings)" }),
    file: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
    rule: z.string().optional(),
    detail: z.string().optional(),
  })
  .openapi("PreviewDiagnostic");
export type PreviewDiagnostic = z.infer<typeof previewDiagnosticSchema>;

function fromValidator(severity: "error" | "warning", d: Diagnostic): PreviewDiagnostic {
  return {
    severity,
    source: "validator",
    message: d.message,
    file: d.file,
    line: d.line,
    column: d.column,
    ...(d.rule === undefined ? {} : { rule: d.rule }),
    ...(d.detail === undefined ? {} : { detail: d.detail }),
  };
}

function fromGenerator(p: GeneratorProblem): PreviewDiagnostic {
  return { severity: "error", source: "model", path: p.path, message: p.message };
}

/** Every finding of a build: model problems, then validator errors, then warnings. */
export function buildDiagnostics(build: ModelBuild): PreviewDiagnostic[] {
  return [
    ...build.generated.problems.map(fromGenerator),
    ...build.errors.map((d) => fromValidator("error", d)),
    ...build.warnings.map((d) => fromValidator("warning", d)),
  ];
}

/** The errors of a rejected build as envelope details. */
export function rejectionDetails(build: ModelBuild) {
  return buildDiagnostics(build)
    .filter((d) => d.severity === "error")
    .map(({ severity: _s, ...rest }) => rest);
}
