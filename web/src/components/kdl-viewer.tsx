import type { JSX } from "preact";
import { tokenize } from "../lib/kdl-tokens";
import type { Diagnostic } from "../lib/types";

/**
 * A read-only KDL file with line numbers. Lines with validator diagnostics are marked and the
 * messages are shown under them (and linked to the line for assistive technology).
 */
export function KdlViewer(props: {
  path: string;
  text: string;
  diagnostics?: Diagnostic[];
  /** Warnings (of a compiled bundle) are marked amber, errors red. */
  tone?: "error" | "warning";
}) {
  const diagClass = props.tone === "warning" ? "warn" : "err";
  const byLine = new Map<number, Diagnostic[]>();
  for (const d of props.diagnostics ?? []) {
    byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  }
  const lines = props.text.replace(/\n$/, "").split("\n");
  let inComment = false;
  const rows: JSX.Element[] = [];
  lines.forEach((line, i) => {
    const n = i + 1;
    const result = tokenize(line, inComment);
    inComment = result.inComment;
    const diags = byLine.get(n);
    const diagId = diags ? `diag-${props.path}-${n}` : undefined;
    rows.push(
      <div
        class={diags ? `code-line has-diag ${diagClass}` : "code-line"}
        key={n}
        aria-describedby={diagId}
      >
        <span class="ln" aria-hidden="true">
          {n}
        </span>
        <span class="src">
          {result.tokens.map((t, j) =>
            t.cls ? (
              <span key={j} class={t.cls}>
                {t.text}
              </span>
            ) : (
              t.text
            ),
          )}
          {line === "" ? " " : null}
        </span>
      </div>,
    );
    if (diags) {
      rows.push(
        <div class={`code-diag ${diagClass}`} id={diagId} key={`d${n}`} role="note">
          {diags.map((d) => (
            <div key={`${d.column}${d.message}`}>
              <strong>
                {props.tone === "warning" ? "Warning" : "Error"} {n}:{d.column}
              </strong>{" "}
              {d.message}
              {d.rule ? <span class="muted"> ({d.rule})</span> : null}
            </div>
          ))}
        </div>,
      );
    }
  });
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it.
    <section class="code" aria-label={`${props.path}, ${lines.length} lines`} tabIndex={0}>
      <div class="code-file">{props.path}</div>
      <div class="code-body">{rows}</div>
    </section>
  );
}
