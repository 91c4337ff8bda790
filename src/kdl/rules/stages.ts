/**
 * The non-aggregated steps of `Config::validate()`: the schema-version check that runs first, and
 * `Limits::validate()` that runs last.
 */
import { parseU32, type RuleContext } from "./common.js";

const SUPPORTED_MAJOR = 1;
const SUPPORTED_MINOR = 0;
const MIN_BODY_BUFFER_BYTES = 1_048_576n;

/** `check_schema_compatibility`: `major.minor`, not older than 1.0 (newer only warns). */
export function checkSchemaVersion({ config, sink, entryFile }: RuleContext): void {
  const version = config.schemaVersion ?? "1.0";
  const report = (message: string, rule: string, warning: boolean) => {
    const node = config.schemaNode;
    if (node) {
      return warning ? sink.warn(node, message, rule) : sink.error(node, message, rule);
    }
    return warning
      ? sink.fileWarning(entryFile, message, rule)
      : sink.fileError(entryFile, message, rule);
  };
  const parts = version.trim().split(".");
  const major = parts.length === 2 ? parseU32(parts[0] ?? "") : null;
  const minor = parts.length === 2 ? parseU32(parts[1] ?? "") : null;
  if (major === null || minor === null) {
    report(
      `Invalid schema version '${version}': Expected format: major.minor (e.g., '1.0')`,
      "schema-version",
      false,
    );
    return;
  }
  const order = major - SUPPORTED_MAJOR || minor - SUPPORTED_MINOR;
  if (order < 0) {
    report(
      `Config schema version ${version} is older than minimum supported version 1.0. Please update your configuration.`,
      "schema-version",
      false,
    );
  } else if (order > 0) {
    report(
      `Config schema version ${version} is newer than supported version 1.0. Some features may not work.`,
      "schema-version-newer",
      true,
    );
  }
}

/** `server.route-cache-size` must not be 0 (first aggregated semantic rule). */
export function checkRouteCacheSize({ config, sink, entryFile }: RuleContext): void {
  if (config.system.routeCacheSize !== 0n) {
    return;
  }
  const message =
    "server.route-cache-size must be greater than 0 (the route cache cannot be disabled by setting it to zero)";
  const node = config.system.node;
  if (node) {
    sink.error(node, message, "system-route-cache-size");
  } else {
    sink.fileError(entryFile, message, "system-route-cache-size");
  }
}

/**
 * `Limits::validate()` on the global limits. The proxy stops at the first failure; the checks are
 * independent, so all of them are reported (the first one is the proxy's).
 */
export function checkLimits({ config, sink }: RuleContext): void {
  const limits = config.limits;
  if (!limits) {
    return;
  }
  if (limits.maxHeaderSize === 0n) {
    sink.error(limits.node, "max_header_size_bytes must be greater than 0", "limits");
  }
  if (limits.maxHeaderCount === 0n) {
    sink.error(limits.node, "max_header_count must be greater than 0", "limits");
  }
  // The body buffer is a fixed 1 MiB that KDL cannot set.
  if (limits.maxBodySize < MIN_BODY_BUFFER_BYTES) {
    sink.error(limits.node, "max_body_buffer_bytes cannot exceed max_body_size_bytes", "limits");
  }
}
