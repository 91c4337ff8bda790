/**
 * Unified line diffs between two versions of a bundle's config files (`diff -u` / git style:
 * `--- a/path`, `+++ b/path`, `@@ -l,s +l,s @@` hunks, 3 lines of context by default,
 * `\ No newline at end of file` markers). Lines are compared exactly, including any `\r`.
 */
import { compareUtf8 } from "./bytes";
import { diffTokens, type EditOp } from "./myers";

/** Default number of unchanged lines shown around each change. */
export const DIFF_CONTEXT_LINES = 3;

/** Per-file summary of a diff. */
export type FileChange = {
  path: string;
  status: "added" | "removed" | "modified";
  added: number;
  removed: number;
};

/** Result of {@link diffFiles}: the unified diff text of all changed files plus counts. */
export type FilesDiff = { text: string; files: FileChange[]; added: number; removed: number };

/** Splits text into lines that keep their "\n" (the last one may lack it). */
function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

function renderLine(prefix: string, line: string): string {
  return line.endsWith("\n")
    ? `${prefix}${line}`
    : `${prefix}${line}\n\\ No newline at end of file\n`;
}

/** `start,count` of a hunk side; GNU omits the count when it is 1, and an empty side starts at the line before. */
function range(firstIndex: number, count: number): string {
  if (count === 0) {
    return `${firstIndex},0`;
  }
  return count === 1 ? `${firstIndex + 1}` : `${firstIndex + 1},${count}`;
}

/** Groups changed ops with `context` lines around them; overlapping windows merge. */
function hunkRanges(ops: readonly EditOp[], context: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  ops.forEach((op, i) => {
    if (op.kind === "equal") {
      return;
    }
    const start = Math.max(0, i - context);
    const end = Math.min(ops.length, i + context + 1);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && start <= last[1]) {
      last[1] = end;
    } else {
      ranges.push([start, end]);
    }
  });
  return ranges;
}

function renderHunk(ops: readonly EditOp[], a: string[], b: string[]): string {
  const first = ops[0];
  if (first === undefined) {
    return "";
  }
  let aCount = 0;
  let bCount = 0;
  let body = "";
  for (const op of ops) {
    if (op.kind === "equal") {
      aCount++;
      bCount++;
      body += renderLine(" ", a[op.aIndex] ?? "");
    } else if (op.kind === "delete") {
      aCount++;
      body += renderLine("-", a[op.aIndex] ?? "");
    } else {
      bCount++;
      body += renderLine("+", b[op.bIndex] ?? "");
    }
  }
  return `@@ -${range(first.aIndex, aCount)} +${range(first.bIndex, bCount)} @@\n${body}`;
}

/** Maps each distinct line to an integer so the diff compares numbers, not strings. */
function tokenize(a: string[], b: string[]): [Int32Array, Int32Array] {
  const ids = new Map<string, number>();
  const id = (line: string): number => {
    let value = ids.get(line);
    if (value === undefined) {
      value = ids.size;
      ids.set(line, value);
    }
    return value;
  };
  return [Int32Array.from(a, id), Int32Array.from(b, id)];
}

/**
 * Unified diff of one file. `before`/`after` null means the file does not exist on that side
 * (shown as /dev/null). Returns empty text when nothing changed.
 */
export function unifiedDiff(
  path: string,
  before: string | null,
  after: string | null,
  context = DIFF_CONTEXT_LINES,
): { text: string; added: number; removed: number } {
  const a = splitLines(before ?? "");
  const b = splitLines(after ?? "");
  const ops = diffTokens(...tokenize(a, b));
  const added = ops.filter((op) => op.kind === "insert").length;
  const removed = ops.filter((op) => op.kind === "delete").length;
  if (before === after) {
    return { text: "", added, removed };
  }
  const header = `--- ${before === null ? "/dev/null" : `a/${path}`}\n+++ ${after === null ? "/dev/null" : `b/${path}`}\n`;
  const hunks = hunkRanges(ops, context).map(([start, end]) =>
    renderHunk(ops.slice(start, end), a, b),
  );
  return { text: header + hunks.join(""), added, removed };
}

/**
 * Diffs two file maps (path → text). Files are visited in bytewise path order; unchanged files
 * are omitted from both the text and `files`.
 */
export function diffFiles(
  before: Record<string, string>,
  after: Record<string, string>,
  context = DIFF_CONTEXT_LINES,
): FilesDiff {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(compareUtf8);
  const files: FileChange[] = [];
  let text = "";
  for (const path of paths) {
    const old = Object.hasOwn(before, path) ? (before[path] ?? null) : null;
    const next = Object.hasOwn(after, path) ? (after[path] ?? null) : null;
    if (old === next) {
      continue;
    }
    const diff = unifiedDiff(path, old, next, context);
    const status = old === null ? "added" : next === null ? "removed" : "modified";
    files.push({ path, status, added: diff.added, removed: diff.removed });
    text += diff.text;
  }
  return {
    text,
    files,
    added: files.reduce((sum, f) => sum + f.added, 0),
    removed: files.reduce((sum, f) => sum + f.removed, 0),
  };
}
