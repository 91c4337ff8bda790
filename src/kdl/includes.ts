/**
 * Syntax stage plus `include` expansion over in-memory files (`Config::from_file` →
 * `expand_kdl_includes` in the proxy).
 *
 * Proxy rules copied here:
 * - Only top-level `include "<glob>"` nodes are expanded; the pattern is the first argument and
 *   resolves relative to the directory of the including file.
 * - Matches are sorted and spliced in at the position of the `include` node, recursively.
 * - The visited set (entry file included) is never cleared: any file reached twice is an error,
 *   even a non-circular "diamond".
 * - The proxy stops at the first error of this stage; we keep walking other files so every syntax
 *   error is reported, but callers must not run later stages when `errors` is non-empty.
 *
 * Deliberate difference (control-plane policy, see the module README in index.ts): a literal
 * (wildcard-free) include that names a file missing from the bundle is an error, because the node
 * would silently skip it; a wildcard pattern with no match stays a warning, as in the proxy.
 */
import type { Node } from "@bgotink/kdl";
import { type Diagnostic, SourceMap } from "./diagnostics.js";
import { parseKdl } from "./parse.js";
import {
  comparePaths,
  dirname,
  globToRegex,
  hasGlobMeta,
  isValidGlob,
  normalizePath,
} from "./paths.js";
import { argumentEntries, entryString } from "./values.js";

/** Output of the include stage. */
export interface ExpandedConfig {
  /** Top-level nodes of the merged document, in proxy order (null when the stage failed). */
  nodes: Node[] | null;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Every file reached (entry included), as keyed in the input, sorted. */
  includedFiles: string[];
  sources: SourceMap;
}

interface ExpandState {
  /** Normalised path → key as given by the caller. */
  readonly keys: Map<string, string>;
  readonly files: Record<string, string>;
  readonly visited: Set<string>;
  readonly sources: SourceMap;
  readonly errors: Diagnostic[];
  readonly warnings: Diagnostic[];
}

function diagnosticAt(file: string, line: number, column: number, message: string, rule: string) {
  return { file, line, column, message, rule };
}

function loadDocument(state: ExpandState, path: string, isEntry: boolean): Node[] | null {
  const key = state.keys.get(path) ?? path;
  const text = state.files[key] ?? "";
  const outcome = parseKdl(text);
  if (!outcome.ok) {
    const message = isEntry
      ? "KDL parse error during include expansion: Failed to parse KDL document"
      : `KDL parse error in '${key}': Failed to parse KDL document`;
    for (const problem of outcome.problems) {
      state.errors.push({
        ...diagnosticAt(key, problem.line, problem.column, message, "kdl-syntax"),
        detail: problem.detail,
      });
    }
    return null;
  }
  for (const node of outcome.document.nodes) {
    state.sources.register(node, key);
  }
  return outcome.document.nodes;
}

function matchPattern(state: ExpandState, includer: string, pattern: string): string[] | null {
  if (pattern.startsWith("/")) {
    return null;
  }
  const joined = normalizePath(`${dirname(includer)}/${pattern}`);
  if (joined === null) {
    return null;
  }
  if (!hasGlobMeta(joined)) {
    return state.keys.has(joined) ? [joined] : [];
  }
  const regex = globToRegex(joined);
  return [...state.keys.keys()].filter((path) => regex.test(path)).sort(comparePaths);
}

function expandInclude(state: ExpandState, node: Node, includer: string, out: Node[]): void {
  const includerKey = state.keys.get(includer) ?? includer;
  const pattern = entryString(argumentEntries(node)[0]);
  if (pattern === null) {
    state.errors.push(
      state.sources.at(
        node,
        `The 'include' directive requires a string argument, e.g.: include "routes/*.kdl"\nFound in: ${includerKey}`,
        "include-argument",
      ),
    );
    return;
  }
  if (!isValidGlob(pattern)) {
    state.errors.push(
      state.sources.at(node, `Invalid glob pattern '${pattern}' in ${includerKey}`, "include-glob"),
    );
    return;
  }
  const matches = matchPattern(state, includer, pattern);
  if (matches === null) {
    const warning = state.sources.at(
      node,
      `Include pattern '${pattern}' points outside the bundle; it is resolved on the node and was not checked`,
      "include-outside-bundle",
    );
    state.warnings.push(warning);
    return;
  }
  if (matches.length === 0) {
    if (hasGlobMeta(pattern)) {
      const warning = state.sources.at(
        node,
        "Include pattern matched no files",
        "include-no-match",
      );
      state.warnings.push({ ...warning, detail: `pattern '${pattern}' in ${includerKey}` });
    } else {
      const target = normalizePath(`${dirname(includer)}/${pattern}`) ?? pattern;
      state.errors.push(
        state.sources.at(
          node,
          `Failed to read included config file '${target}' (included from '${includerKey}')`,
          "include-missing",
        ),
      );
    }
    return;
  }
  for (const match of matches) {
    if (state.visited.has(match)) {
      const key = state.keys.get(match) ?? match;
      state.errors.push(
        state.sources.at(
          node,
          `Circular include detected: '${key}' has already been included`,
          "include-circular",
        ),
      );
      continue;
    }
    state.visited.add(match);
    const nodes = loadDocument(state, match, false);
    if (nodes) {
      expandNodes(state, nodes, match, out);
    }
  }
}

function expandNodes(state: ExpandState, nodes: Node[], file: string, out: Node[]): void {
  for (const node of nodes) {
    if (node.name.name === "include") {
      expandInclude(state, node, file, out);
    } else {
      out.push(node);
    }
  }
}

/** Parses the entry file and expands its includes from `files`. */
export function expandIncludes(entry: string, files: Record<string, string>): ExpandedConfig {
  const keys = new Map<string, string>();
  for (const key of Object.keys(files)) {
    const normalized = normalizePath(key);
    if (normalized !== null && !keys.has(normalized)) {
      keys.set(normalized, key);
    }
  }
  const state: ExpandState = {
    keys,
    files,
    visited: new Set(),
    sources: new SourceMap(),
    errors: [],
    warnings: [],
  };
  const entryPath = normalizePath(entry);
  if (entryPath === null || !keys.has(entryPath)) {
    state.errors.push(
      diagnosticAt(entry, 1, 1, `Failed to read config file: "${entry}"`, "config-read"),
    );
    return {
      nodes: null,
      errors: state.errors,
      warnings: [],
      includedFiles: [],
      sources: state.sources,
    };
  }
  state.visited.add(entryPath);
  const out: Node[] = [];
  const nodes = loadDocument(state, entryPath, true);
  if (nodes) {
    expandNodes(state, nodes, entryPath, out);
  }
  const includedFiles = [...state.visited].map((path) => keys.get(path) ?? path).sort(comparePaths);
  return {
    nodes: state.errors.length === 0 ? out : null,
    errors: state.errors,
    warnings: state.warnings,
    includedFiles,
    sources: state.sources,
  };
}
