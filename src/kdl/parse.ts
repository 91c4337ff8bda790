/**
 * KDL v2 syntax stage. The proxy uses kdl-rs 6.7.1 with v1 support compiled out, so only the
 * plain v2 `parse` of @bgotink/kdl is used (never `parseCompat`).
 */
import { type Document, InvalidKdlError, parse } from "@bgotink/kdl";

/** One syntax problem reported by the parser (1-based location). */
export interface SyntaxProblem {
  line: number;
  column: number;
  detail: string;
}

/** Result of parsing one file. */
export type ParseOutcome =
  | { ok: true; document: Document }
  | { ok: false; problems: SyntaxProblem[] };

const INVALID_KEYWORD = /^Invalid keyword "([^"]+)"/;

/**
 * @bgotink/kdl reports a bare v1 keyword (`true`, `null`, …) at the token AFTER it; a keyword is
 * always directly followed by that token, so step back by its length to point at the keyword.
 */
function keywordColumn(message: string, column: number): number {
  const keyword = INVALID_KEYWORD.exec(message)?.[1];
  return keyword ? Math.max(1, column - keyword.length) : column;
}

/** Parses `text` as a KDL v2 document with node locations stored. Never throws on bad input. */
export function parseKdl(text: string): ParseOutcome {
  try {
    return { ok: true, document: parse(text, { storeLocations: true }) };
  } catch (error) {
    if (!(error instanceof InvalidKdlError)) {
      // @bgotink/kdl 0.4.0 crashes with a TypeError on some invalid inputs (e.g. a lone "#");
      // user input must never crash validation, and such text is never valid KDL.
      const detail = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        problems: [{ line: 1, column: 1, detail: `KDL parser failure: ${detail}` }],
      };
    }
    const problems: SyntaxProblem[] = [];
    for (const problem of error.flat()) {
      // Locations are 1-based; the parser occasionally reports column 0 for a token at the
      // start of a line (e.g. `r# `), so clamp rather than hand out an impossible position.
      problems.push({
        line: Math.max(1, problem.start?.line ?? 1),
        column: Math.max(1, keywordColumn(problem.message, problem.start?.column ?? 1)),
        detail: problem.message,
      });
    }
    if (problems.length === 0) {
      problems.push({ line: 1, column: 1, detail: error.message });
    }
    return { ok: false, problems };
  }
}
