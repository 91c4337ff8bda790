import type { JSX } from "preact";
import type { Diagnostic } from "../lib/types";

type Token = { cls: string | null; text: string };

/** Token classes: comment, string, number, keyword (#true, #null…), node name, property key. */
const TOKEN_RE =
  /(\/\/.*$)|(\/\*.*?(?:\*\/|$))|(#?"(?:[^"\\]|\\.)*"?#?)|(#(?:true|false|null|inf|-inf|nan)\b)|([+-]?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_][\w.-]*(?==))|(^\s*[A-Za-z_][\w.-]*)/g;

/**
 * Splits one line into highlighted tokens. `inComment` carries a `/* … *\/` block across lines;
 * the returned flag says whether the line ends inside one. Highlighting is cosmetic: the
 * validator is the authority on syntax.
 */
export function tokenize(line: string, inComment: boolean): { tokens: Token[]; inComment: boolean } {
  const tokens: Token[] = [];
  let rest = line;
  if (inComment) {
    const end = rest.indexOf("*/");
    if (end < 0) {
      return { tokens: [{ cls: "tk-comment", text: rest }], inComment: true };
    }
    tokens.push({ cls: "tk-comment", text: rest.slice(0, end + 2) });
    rest = rest.slice(end + 2);
  }
  let last = 0;
  let open = false;
  for (const m of rest.matchAll(TOKEN_RE)) {
    const index = m.index ?? 0;
    if (index > last) {
      tokens.push({ cls: null, text: rest.slice(last, index) });
    }
    const cls = m[1] || m[2] ? "tk-comment" : m[3] ? "tk-string" : m[4] ? "tk-keyword" : m[5] ? "tk-number" : m[6] ? "tk-prop" : "tk-node";
    tokens.push({ cls, text: m[0] });
    if (m[2] && !m[2].endsWith("*/")) {
      open = true;
    }
    last = index + m[0].length;
  }
  if (last < rest.length) {
    tokens.push({ cls: null, text: rest.slice(last) });
  }
  return { tokens, inComment: open };
}

/**
 * A read-only KDL file with line numbers. Lines with validator diagnostics are marked and the
 * messages are shown under them (and linked to the line for assistive technology).
 */
export function KdlViewer(props: { path: string; text: string; diagnostics?: Diagnostic[] }) {
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
      <div class={diags ? "code-line has-diag" : "code-line"} key={n} aria-describedby={diagId}>
        <span class="ln" aria-hidden="true">
          {n}
        </span>
        <span class="src">
          {result.tokens.map((t, j) =>
            t.cls ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: tokens of a line have no identity.
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
        <div class="code-diag" id={diagId} key={`d${n}`} role="note">
          {diags.map((d) => (
            <div key={`${d.column}${d.message}`}>
              <strong>
                {n}:{d.column}
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
    <section class="code" aria-label={`${props.path}, ${lines.length} lines`} tabIndex={0}>
      <div class="code-file">{props.path}</div>
      <div class="code-body">{rows}</div>
    </section>
  );
}
