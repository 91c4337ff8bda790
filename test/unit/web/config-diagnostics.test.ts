import { describe, expect, it } from "vitest";
import {
  diagnosticWhere,
  lineDiagnostics,
  type PreviewDiagnostic,
} from "../../../web/src/lib/config-diagnostics";

const validator: PreviewDiagnostic = {
  severity: "error",
  source: "validator",
  message: "unknown upstream",
  file: "zentinel.kdl",
  line: 12,
  column: 5,
  rule: "ref",
};
const model: PreviewDiagnostic = {
  severity: "warning",
  source: "model",
  message: "no targets",
  path: "upstream-groups/backend.targets",
};

describe("lineDiagnostics", () => {
  it("keeps only findings with a line in the given file, in the viewer's shape", () => {
    const other = { ...validator, file: "other.kdl", line: 3 };
    expect(lineDiagnostics([validator, model, other], "zentinel.kdl")).toEqual([
      {
        file: "zentinel.kdl",
        line: 12,
        column: 5,
        message: "unknown upstream",
        rule: "ref",
        severity: "error",
      },
    ]);
  });

  it("defaults a missing column to 1", () => {
    const noColumn = { ...validator, column: undefined };
    expect(lineDiagnostics([noColumn], "zentinel.kdl")[0]?.column).toBe(1);
  });
});

describe("diagnosticWhere", () => {
  it("names the entity field for model findings and file:line:column for validator ones", () => {
    expect(diagnosticWhere(model)).toBe("upstream-groups/backend.targets");
    expect(diagnosticWhere(validator)).toBe("zentinel.kdl:12:5");
    expect(diagnosticWhere({ ...validator, line: undefined })).toBe("zentinel.kdl");
    expect(diagnosticWhere({ severity: "error", source: "model", message: "x" })).toBe("model");
  });
});
