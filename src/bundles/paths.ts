import { isWellFormedUnicode } from "./bytes";

/**
 * C0/C1 control characters would break `checksums.txt` lines (sha256sum escapes names containing
 * a newline or backslash, which we never want to emit) and are never legitimate config names.
 */
const CONTROL_CHARS = /\p{Cc}/u;

/**
 * Why `path` is not acceptable as a bundle entry, or `null` when it is.
 *
 * An entry path is relative, uses `/` as the only separator, and has no empty, `.` or `..`
 * components, no backslashes and no control characters. The tar writer and the strict reader both
 * apply this, so the writer can never produce an archive the reader (or a node) would reject.
 */
export function entryPathProblem(path: string): string | null {
  if (path.length === 0) {
    return "path is empty";
  }
  if (!isWellFormedUnicode(path)) {
    return "path is not valid Unicode";
  }
  if (CONTROL_CHARS.test(path)) {
    return "path contains a control character";
  }
  if (path.includes("\\")) {
    return "path contains a backslash";
  }
  if (path.startsWith("/")) {
    return "path is absolute";
  }
  for (const component of path.split("/")) {
    if (component === "..") {
      return "path has a '..' component";
    }
    if (component === "." || component === "") {
      return "path has an empty or '.' component";
    }
  }
  return null;
}
