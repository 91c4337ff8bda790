/**
 * `system { … }` (alias `server`). Never errors: wrongly typed values fall back to defaults.
 */
import type { Node } from "@bgotink/kdl";
import { getBool, getInt, getString, getUnsigned, wrapUnsigned } from "../values.js";
import type { SystemConfig } from "./types.js";

const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_GRACEFUL_SHUTDOWN_SECS = 30;
const DEFAULT_ROUTE_CACHE_SIZE = 1000n;

/** Defaults used when the block is missing (the proxy then fails, but rules still need values). */
export function defaultSystem(): SystemConfig {
  return {
    node: null,
    workerThreads: 0,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    gracefulShutdownTimeoutSecs: DEFAULT_GRACEFUL_SHUTDOWN_SECS,
    autoReload: false,
    routeCacheSize: DEFAULT_ROUTE_CACHE_SIZE,
    traceIdFormat: "tinyflake",
  };
}

/** Parses `system`/`server`. */
export function parseSystem(node: Node): SystemConfig {
  const traceId = getString(node, "trace-id-format")?.toLowerCase();
  const routeCacheSize = getInt(node, "route-cache-size");
  return {
    node,
    workerThreads: getUnsigned(node, "worker-threads", 64) ?? 0,
    maxConnections: getUnsigned(node, "max-connections", 64) ?? DEFAULT_MAX_CONNECTIONS,
    gracefulShutdownTimeoutSecs:
      getUnsigned(node, "graceful-shutdown-timeout-secs", 64) ?? DEFAULT_GRACEFUL_SHUTDOWN_SECS,
    autoReload: getBool(node, "auto-reload") ?? false,
    routeCacheSize:
      routeCacheSize === null ? DEFAULT_ROUTE_CACHE_SIZE : wrapUnsigned(routeCacheSize, 64),
    traceIdFormat:
      traceId === "uuid" || traceId === "uuid4" || traceId === "uuidv4" ? "uuid" : "tinyflake",
  };
}
