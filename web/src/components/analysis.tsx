import { flatten } from "../lib/flatten";
import { StatusBadge } from "./ui";

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
          Verdict{" "}
          <StatusBadge
            status={verdict === "pass" ? "verified" : verdict === "fail" ? "failed" : "paused"}
            label={verdict}
          />
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
