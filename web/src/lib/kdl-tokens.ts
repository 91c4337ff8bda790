/** A highlighted piece of a line; `cls` is a CSS class, null for plain text. */
export type Token = { cls: string | null; text: string };

/** Token classes: comment, string, number, keyword (#true, #null…), node name, property key. */
const TOKEN_RE =
  /(\/\/.*$)|(\/\*.*?(?:\*\/|$))|(#?"(?:[^"\\]|\\.)*"?#?)|(#(?:true|false|null|inf|-inf|nan)\b)|([+-]?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|([A-Za-z_][\w.-]*(?==))|(^\s*[A-Za-z_][\w.-]*)/g;

/**
 * Splits one line into highlighted tokens. `inComment` carries a `/* … *\/` block across lines;
 * the returned flag says whether the line ends inside one. Highlighting is cosmetic: the
 * validator is the authority on syntax.
 */
export function tokenize(
  line: string,
  inComment: boolean,
): { tokens: Token[]; inComment: boolean } {
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
    const cls =
      m[1] || m[2]
        ? "tk-comment"
        : m[3]
          ? "tk-string"
          : m[4]
            ? "tk-keyword"
            : m[5]
              ? "tk-number"
              : m[6]
                ? "tk-prop"
                : "tk-node";
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
