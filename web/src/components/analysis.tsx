import { round } from "../lib/format";
import { StatusBadge } from "./ui";

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Flattens nested JSON into `a.b.c` → value rows (arrays of scalars stay one row). */
export function flatten(value: unknown, prefix = ""): Array<[string, string]> {
  if (value === null || typeof value !== "object") {
    const text = typeof value === "number" ? round(value, 4) : String(value);
    return [[prefix || "value", text]];
  }
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      return [[prefix, value.map((v) => (typeof v === "number" ? round(v, 4) : String(v))).join(", ")]];
    }
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  return Object.entries(value as Record<string, Json>).flatMap(([k, v]) =>
    flatten(v, prefix ? `${prefix}.${k}` : k),
  );
}

/**
 * A step's analysis: gate evaluations and canary verdicts with their numbers. A `verdict` and
 * `reasons` are shown first; every other number is listed, so nothing the engine recorded is
 * hidden, whatever its shape.
 */
export function AnalysisView({ analysis }: { analysis: Record<string, unknown> }) {
  const verdict = typeof analysis.verdict === "string" ? analysis.verdict : null;
  const reasons = Array.isArray(analysis.reasons) ? analysis.reasons.map(String) : [];
  const rest = Object.fromEntries(
    Object.entries(analysis).filter(([k]) => k !== "verdict" && k !== "reasons"),
  );
  const rows = flatten(rest);
  return (
    <div class="analysis">
      {verdict && (
        <p>
          Verdict <StatusBadge status={verdict === "pass" ? "verified" : verdict === "fail" ? "failed" : "paused"} label={verdict} />
        </p>
      )}
      {reasons.length > 0 && (
        <ul>
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {rows.length > 0 && (
        <table class="kv">
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th scope="row">{k.replace(/_/g, " ")}</th>
                <td class="mono">{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
