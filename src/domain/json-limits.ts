/**
 * Bounds on JSON request bodies, checked once for every route before schema validation.
 *
 * JSON.parse accepts documents the rest of the system cannot store or should not process: a
 * string with a lone UTF-16 surrogate (`"\ud800"`) is not valid Unicode, so D1 and every UTF-8
 * encoder downstream fail on it; `\u0000` survives parsing but truncates C strings and logs;
 * `1e400` parses to Infinity, which JSON cannot even represent again; and a 10,000-deep nesting
 * costs stack and time in every walker after the parser. Pure: no I/O.
 */

/** Deepest nesting of objects and arrays accepted; the top-level container is level 1. */
export const MAX_JSON_DEPTH = 32;

/** At most this many problems are listed (a 1 MiB body could otherwise hold thousands). */
export const MAX_JSON_PROBLEMS = 20;

/** One problem at a JSON path (dot-joined, `(root)` for the top level). */
export interface JsonProblem {
  path: string;
  message: string;
}

/** What {@link inspectJson} found. */
export type JsonInspection =
  | { ok: true; value: unknown }
  | { ok: false; kind: "malformed"; message: string }
  | { ok: false; kind: "too_deep"; depth: number }
  | { ok: false; kind: "invalid"; problems: JsonProblem[] };

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting in `text`, scanning without parsing; stops as soon as `limit` is exceeded
 * and returns that depth. Brackets inside strings do not count. Malformed text may give any
 * number: the parser reports it afterwards.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === BACKSLASH) {
        i++; // the escaped character cannot end the string
      } else if (ch === QUOTE) {
        inString = false;
      }
    } else if (ch === QUOTE) {
      inString = true;
    } else if (ch === OPEN_BRACE || ch === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) {
          return deepest;
        }
      }
    } else if (ch === CLOSE_BRACE || ch === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `s` cannot be stored as text, or null when it can. */
export function stringProblem(s: string): string | null {
  const lone = LONE_SURROGATE.exec(s);
  if (lone) {
    const unit = lone[0].charCodeAt(0).toString(16);
    return `contains a lone UTF-16 surrogate (\\u${unit} at index ${lone.index}); strings must be valid Unicode`;
  }
  const nul = s.indexOf("\u0000");
  if (nul >= 0) {
    return `contains a NUL character (\\u0000 at index ${nul})`;
  }
  return null;
}

function walk(value: unknown, path: string[], problems: JsonProblem[]): void {
  if (problems.length >= MAX_JSON_PROBLEMS) {
    return;
  }
  const at = () => path.join(".") || "(root)";
  if (typeof value === "string") {
    const problem = stringProblem(value);
    if (problem) {
      problems.push({ path: at(), message: problem });
    }
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      problems.push({ path: at(), message: "is out of range (not a finite number)" });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, [...path, String(i)], problems);
    });
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = stringProblem(key);
      if (keyProblem) {
        // The key itself cannot be printed safely; name its position instead.
        problems.push({ path: [...path, "(key)"].join("."), message: `key ${keyProblem}` });
        continue;
      }
      walk(item, [...path, key], problems);
    }
  }
}

/**
 * Parses `text` as JSON and checks it against the bounds: nesting at most {@link MAX_JSON_DEPTH}
 * (checked before parsing), every string and key valid Unicode without NUL, every number
 * finite. Lists every problem up to {@link MAX_JSON_PROBLEMS}.
 */
export function inspectJson(text: string): JsonInspection {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    return { ok: false, kind: "too_deep", depth };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, kind: "malformed", message: err instanceof Error ? err.message : "" };
  }
  const problems: JsonProblem[] = [];
  walk(value, [], problems);
  return problems.length > 0 ? { ok: false, kind: "invalid", problems } : { ok: true, value };
}
