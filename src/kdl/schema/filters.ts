/**
 * `filters { filter "<id>" { type "…"; … } }` (`kdl/filters.rs`). The `type` is a child node and
 * is case-sensitive; most keys silently default.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import type { FilterType } from "../model.js";
import { child, firstString, getString, getUnsigned } from "../values.js";
import type { FilterConfig } from "./types.js";

const FILTER_TYPES = new Set<FilterType>([
  "rate-limit",
  "agent",
  "headers",
  "compress",
  "cors",
  "timeout",
  "log",
  "geo",
  "redirect",
  "url-rewrite",
]);
const RATE_LIMIT_BACKENDS = new Set(["local", "redis", "memcached", "memcache"]);
const DEFAULT_MAX_RPS = 100;

function isFilterType(value: string): value is FilterType {
  return FILTER_TYPES.has(value as FilterType);
}

/** Parses one `filter "<id>" { … }`. */
export function parseFilter(node: Node): FilterConfig {
  const id = firstString(node);
  if (id === null) {
    fail(node, 'Filter requires an ID argument, e.g., filter "my-rate-limit" { ... }', "filter-id");
  }
  const type = getString(node, "type");
  if (type === null) {
    fail(
      node,
      "Filter definition requires a 'type' field. Valid types: rate-limit, agent, headers, compress, cors, timeout, log, geo",
      "filter-type",
    );
  }
  if (!isFilterType(type)) {
    fail(
      child(node, "type") ?? node,
      `Unknown filter type: '${type}'. Valid types: rate-limit, agent, headers, compress, cors, timeout, log, geo, redirect, url-rewrite`,
      "filter-type",
    );
  }
  let agent: string | null = null;
  let maxRps: number | null = null;
  if (type === "rate-limit") {
    maxRps = getUnsigned(node, "max-rps", 32) ?? DEFAULT_MAX_RPS;
    const backend = getString(node, "backend") ?? "local";
    if (!RATE_LIMIT_BACKENDS.has(backend)) {
      fail(
        child(node, "backend") ?? node,
        `Unknown rate limit backend: '${backend}'. Valid backends: local, redis, memcached`,
        "filter-rate-limit",
      );
    }
  } else if (type === "agent") {
    agent = getString(node, "agent");
    if (agent === null) {
      fail(
        node,
        "Agent filter requires an 'agent' field referencing an agent definition",
        "filter-agent",
      );
    }
  } else if (type === "geo" && getString(node, "database-path") === null) {
    fail(
      node,
      "Geo filter requires 'database-path' pointing to a GeoIP database file",
      "filter-geo",
    );
  }
  return { node, id, type, agent, maxRps };
}
