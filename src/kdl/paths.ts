/**
 * POSIX-style path handling and glob matching over the in-memory file map.
 *
 * Globs follow the Rust `glob` crate the proxy uses: `*` and `?` never cross `/`, `**` is a whole
 * component matching zero or more directories, `[abc]`, `[a-z]` and `[!abc]` are classes.
 */

/** Normalises a relative path: drops `.` and empty parts, resolves `..`. Null if it escapes. */
export function normalizePath(path: string): string | null {
  const out: string[] = [];
  for (const part of path.replaceAll("\\", "/").split("/")) {
    if (part === "" || part === ".") {
      continue;
    }
    if (part === "..") {
      if (out.length === 0) {
        return null;
      }
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join("/");
}

/** Directory part of a normalised path ("" for top-level files). */
export function dirname(path: string): string {
  const index = path.lastIndexOf("/");
  return index < 0 ? "" : path.slice(0, index);
}

/** True when the string contains glob metacharacters. */
export function hasGlobMeta(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+^${}()|\\/]/g, "\\$&");
}

function classToRegex(component: string, start: number): { source: string; end: number } | null {
  let index = start + 1;
  let negate = false;
  if (component[index] === "!") {
    negate = true;
    index += 1;
  }
  let body = "";
  // A `]` right after `[` or `[!` is a literal member, as in the glob crate.
  if (component[index] === "]") {
    body += "\\]";
    index += 1;
  }
  while (index < component.length && component[index] !== "]") {
    const char = component[index] ?? "";
    body += char === "\\" || char === "^" || char === "[" ? `\\${char}` : char;
    index += 1;
  }
  if (index >= component.length) {
    return null;
  }
  return { source: `[${negate ? "^" : ""}${body}]`, end: index };
}

function componentToRegex(component: string): string {
  let source = "";
  for (let index = 0; index < component.length; index += 1) {
    const char = component[index] ?? "";
    if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else if (char === "[") {
      const parsed = classToRegex(component, index);
      if (parsed) {
        source += parsed.source;
        index = parsed.end;
      } else {
        source += "\\[";
      }
    } else {
      source += escapeRegex(char);
    }
  }
  return source;
}

/**
 * Whether the glob crate's `Pattern::new` accepts the pattern: `**` must be a whole path
 * component, no run of three or more `*`, and every `[` class must be closed.
 */
export function isValidGlob(pattern: string): boolean {
  for (const component of pattern.split("/")) {
    if (component.includes("***") || (component.includes("**") && component !== "**")) {
      return false;
    }
    for (let index = 0; index < component.length; index += 1) {
      if (component[index] === "[") {
        const parsed = classToRegex(component, index);
        if (!parsed) {
          return false;
        }
        index = parsed.end;
      }
    }
  }
  return true;
}

/** Compiles a normalised glob pattern (relative, `/`-separated) into an anchored RegExp. */
export function globToRegex(pattern: string): RegExp {
  const parts = pattern.split("/");
  let source = "^";
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    if (part === "**") {
      source += last ? ".*" : "(?:[^/]+/)*";
      return;
    }
    source += componentToRegex(part);
    if (!last) {
      source += "/";
    }
  });
  return new RegExp(`${source}$`);
}

/** Code-unit order, matching byte order of the UTF-8 paths the glob crate sorts in practice. */
export function comparePaths(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}
