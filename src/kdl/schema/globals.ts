/**
 * Global singleton blocks: `limits`, `observability`, `rate-limits` and `cache` (last one wins).
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import {
  child,
  childNodes,
  firstString,
  getBool,
  getInt,
  getString,
  getUnsigned,
  wrapUnsigned,
} from "../values.js";
import type { CacheConfig, LimitsConfig, ObservabilityConfig, RateLimitsConfig } from "./types.js";

function limit(node: Node, name: string, fallback: bigint): bigint {
  const value = getInt(node, name);
  return value === null ? fallback : wrapUnsigned(value, 64);
}

/** `limits { … }`: never errors; string values such as "64KB" are ignored. */
export function parseLimits(node: Node): LimitsConfig {
  return {
    node,
    maxHeaderSize: limit(node, "max-header-size", 8192n),
    maxHeaderCount: limit(node, "max-header-count", 100n),
    maxBodySize: limit(node, "max-body-size", 10_485_760n),
    maxConnectionsPerClient: limit(node, "max-connections-per-client", 100n),
    maxTotalConnections: limit(node, "max-total-connections", 10_000n),
    maxInFlightRequests: limit(node, "max-in-flight-requests", 10_000n),
  };
}

const TRACING_BACKENDS = new Set(["otlp", "jaeger", "zipkin"]);

function parseTracing(node: Node): ObservabilityConfig["tracingBackend"] {
  const backend = child(node, "backend");
  if (!backend) {
    fail(node, "tracing config requires 'backend' block", "observability-tracing");
  }
  const type = firstString(backend);
  if (type === null) {
    fail(backend, "backend requires a type (otlp, jaeger, or zipkin)", "observability-tracing");
  }
  if (getString(backend, "endpoint") === null) {
    fail(backend, "backend requires 'endpoint' configuration", "observability-tracing");
  }
  const lowered = type.toLowerCase();
  if (!TRACING_BACKENDS.has(lowered)) {
    fail(
      backend,
      `Unknown tracing backend '${lowered}'. Supported: otlp, jaeger, zipkin`,
      "observability-tracing",
    );
  }
  return lowered as ObservabilityConfig["tracingBackend"];
}

/** `observability { logging {…}; metrics {…}; tracing {…} }`; unknown children are ignored. */
export function parseObservability(node: Node): ObservabilityConfig {
  const config: ObservabilityConfig = {
    node,
    loggingLevel: "info",
    loggingFormat: "json",
    metricsEnabled: true,
    metricsAddress: "0.0.0.0:9090",
    accessLog: false,
    auditLog: false,
    tracingBackend: null,
  };
  for (const section of childNodes(node)) {
    const name = section.name.name;
    if (name === "logging") {
      config.loggingLevel = getString(section, "level") ?? "info";
      config.loggingFormat = getString(section, "format") ?? "json";
      const access = child(section, "access-log");
      const audit = child(section, "audit-log");
      config.accessLog = access ? (getBool(access, "enabled") ?? true) : false;
      config.auditLog = audit ? (getBool(audit, "enabled") ?? true) : false;
    } else if (name === "metrics") {
      config.metricsEnabled = getBool(section, "enabled") ?? true;
      config.metricsAddress = getString(section, "address") ?? "0.0.0.0:9090";
    } else if (name === "tracing") {
      config.tracingBackend = parseTracing(section);
    }
  }
  return config;
}

const RATE_LIMIT_KEYS = new Set([
  "client-ip",
  "client_ip",
  "ip",
  "path",
  "route",
  "client-ip-and-path",
  "client_ip_and_path",
]);

function rateLimitKey(node: Node): string {
  const raw = getString(node, "key");
  if (raw === null) {
    return "client-ip";
  }
  const key = raw.toLowerCase();
  if (!RATE_LIMIT_KEYS.has(key) && !key.startsWith("header:")) {
    fail(
      child(node, "key") ?? node,
      `Unknown rate limit key: '${key}'. Valid values: client-ip, path, route, client-ip-and-path, header:<name>`,
      "rate-limits-key",
    );
  }
  return key;
}

/** `rate-limits { default-rps; default-burst; key; global { max-rps; burst; key } }`. */
export function parseRateLimits(node: Node): RateLimitsConfig {
  const config: RateLimitsConfig = {
    node,
    defaultRps: getUnsigned(node, "default-rps", 32),
    defaultBurst: getUnsigned(node, "default-burst", 32),
    key: rateLimitKey(node),
    globalMaxRps: null,
  };
  for (const global of childNodes(node)) {
    if (global.name.name !== "global") {
      continue;
    }
    const maxRps = getUnsigned(global, "max-rps", 32);
    if (maxRps === null) {
      fail(global, "global rate limit requires 'max-rps'", "rate-limits-global");
    }
    rateLimitKey(global);
    config.globalMaxRps = maxRps;
  }
  return config;
}

/** Global `cache { … }` storage settings. */
export function parseCache(node: Node): CacheConfig {
  const rawBackend = getString(node, "backend");
  let backend: CacheConfig["backend"] = "memory";
  if (rawBackend !== null) {
    const lowered = rawBackend.toLowerCase();
    if (lowered !== "memory" && lowered !== "disk" && lowered !== "hybrid") {
      fail(
        child(node, "backend") ?? node,
        `Invalid cache backend '${lowered}'. Valid options: memory, disk, hybrid`,
        "cache-backend",
      );
    }
    backend = lowered;
  }
  if (backend !== "memory" && getString(node, "disk-path") === null) {
    fail(node, "Disk cache backend requires 'disk-path' to be specified", "cache-disk-path");
  }
  return {
    node,
    enabled: getBool(node, "enabled") ?? true,
    backend,
    maxSizeBytes: getUnsigned(node, "max-size", 64) ?? 104_857_600,
  };
}
