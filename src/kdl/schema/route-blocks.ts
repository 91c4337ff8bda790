/**
 * Route sub-blocks that never reference other items: `matches`, `static-files`, `api-schema`,
 * `shadow`, `fallback`, header policies and the per-route `cache`.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import {
  child,
  childNodes,
  childrenNamed,
  entryString,
  firstString,
  getBool,
  getInt,
  getString,
  stringEntries,
  wrapSigned,
} from "../values.js";
import type { HeaderModifications, MatchCondition } from "./types.js";

const PRIORITY_ALIASES = new Map([
  ["critical", 1000],
  ["high", 100],
  ["normal", 50],
  ["low", 10],
]);
const PRIORITY_NORMAL = 50;

/** `priority`: an integer (`as i32`) or a case-insensitive alias; anything else is normal (50). */
export function parsePriority(route: Node): number {
  const numeric = getInt(route, "priority");
  if (numeric !== null) {
    return Number(wrapSigned(numeric, 32));
  }
  const alias = getString(route, "priority")?.toLowerCase();
  return (alias === undefined ? undefined : PRIORITY_ALIASES.get(alias)) ?? PRIORITY_NORMAL;
}

const SINGLE_VALUE_MATCHES = new Set(["path-prefix", "path", "path-regex", "host", "method"]);

/** `matches { … }` (only the first `matches` child; unknown conditions are ignored). */
export function parseMatches(route: Node): MatchCondition[] {
  const block = child(route, "matches");
  const out: MatchCondition[] = [];
  if (!block) {
    return out;
  }
  for (const condition of childNodes(block)) {
    const kind = condition.name.name;
    if (SINGLE_VALUE_MATCHES.has(kind)) {
      const value = firstString(condition);
      if (value !== null) {
        out.push({ kind: kind as "path-prefix", value });
      }
    } else if (kind === "header" || kind === "query-param") {
      const name = entryString(condition.entries[0]);
      if (name !== null) {
        out.push({ kind, name, value: entryString(condition.entries[1]) });
      }
    }
  }
  return out;
}

/** `static-files { root … }`: returns the root directory. */
export function parseStaticFiles(node: Node): string {
  const root = getString(node, "root");
  if (root === null) {
    fail(
      node,
      `Static files configuration requires a 'root' directory, e.g., root "/var/www/html"`,
      "route-static-files",
    );
  }
  return root;
}

/** `api-schema { … }`: only the file/content exclusivity can fail. */
export function parseApiSchema(node: Node): void {
  if (getString(node, "schema-file") !== null && getString(node, "schema-content") !== null) {
    fail(
      node,
      "schema-file and schema-content are mutually exclusive. Use one or the other.",
      "route-api-schema",
    );
  }
}

/** `shadow { upstream … }`: returns the shadow upstream id. */
export function parseShadow(node: Node): string {
  const upstream = getString(node, "upstream");
  if (upstream === null) {
    fail(
      node,
      `Shadow configuration requires an 'upstream' field, e.g., upstream "canary"`,
      "route-shadow",
    );
  }
  const header = child(node, "sample-header");
  if (header && header.entries.length >= 2) {
    if (entryString(header.entries[0]) === null) {
      fail(header, "sample-header name must be a string", "route-shadow");
    }
    if (entryString(header.entries[1]) === null) {
      fail(header, "sample-header value must be a string", "route-shadow");
    }
  }
  return upstream;
}

/** `fallback { … fallback-upstream "<id>" { … } }`. */
export function parseFallback(node: Node): void {
  for (const upstream of childrenNamed(node, "fallback-upstream")) {
    if (firstString(upstream) === null) {
      fail(
        upstream,
        `fallback-upstream requires an upstream ID, e.g., fallback-upstream "anthropic" { ... }`,
        "route-fallback",
      );
    }
  }
}

function readPairs(block: Node | undefined): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const entryNode of block ? childNodes(block) : []) {
    const value = firstString(entryNode);
    if (value !== null) {
      pairs.set(entryNode.name.name, value);
    }
  }
  return pairs;
}

/** `rename {…}`, `set {…}`, `add {…}`, `remove "A" "B"` (used by routes and `headers` filters). */
export function parseHeaderModifications(node: Node | undefined): HeaderModifications {
  if (!node) {
    return { rename: new Map(), set: new Map(), add: new Map(), remove: [] };
  }
  const remove = child(node, "remove");
  return {
    rename: readPairs(child(node, "rename")),
    set: readPairs(child(node, "set")),
    add: readPairs(child(node, "add")),
    remove: remove ? stringEntries(remove) : [],
  };
}

/** `policies { request-headers {…}; response-headers {…} }`; other policy keys are ignored. */
export function parsePolicies(route: Node): [HeaderModifications, HeaderModifications] {
  const policies = child(route, "policies");
  return [
    parseHeaderModifications(policies ? child(policies, "request-headers") : undefined),
    parseHeaderModifications(policies ? child(policies, "response-headers") : undefined),
  ];
}

/** Per-route `cache { enabled … }` (never errors); null when absent. */
export function parseRouteCache(route: Node): boolean | null {
  const cache = child(route, "cache");
  return cache ? (getBool(cache, "enabled") ?? false) : null;
}
