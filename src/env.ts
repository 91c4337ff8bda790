import { z } from "zod";
import type { Env } from "./bindings";
import { DEFAULT_NODE_SHARD_COUNT, MAX_NODE_SHARD_COUNT } from "./domain/node-shard";

export type { CompileJob, Env, NotifyJob } from "./bindings";

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const configSchema = z.object({
  VALIDATOR_MODE: z.enum(["embedded", "container"]).default("embedded"),
  POLL_INTERVAL_S: seconds(30),
  HEARTBEAT_INTERVAL_S: seconds(30),
  NODE_OFFLINE_AFTER_S: seconds(120),
  HEARTBEAT_HISTORY_PER_NODE: seconds(100),
  HEARTBEAT_WRITE_PATH: z.enum(["shard", "direct"]).default("shard"),
  NODE_SHARD_COUNT: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_NODE_SHARD_COUNT)
    .default(DEFAULT_NODE_SHARD_COUNT),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  ZCP_MASTER_KEY: z.string().min(32, "ZCP_MASTER_KEY must be at least 32 characters"),
  AUDIT_HMAC_KEY: z.string().min(32, "AUDIT_HMAC_KEY must be at least 32 characters"),
  NOTIFY_ALLOW_LOCAL_URLS: z.stringbool().default(false),
  SSO_ALLOW_LOCAL_URLS: z.stringbool().default(false),
  AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().default(365),
  // Telemetry rollup retention per level; hours must cover the longest SLO window (35 days).
  TELEMETRY_MINUTES_RETENTION_HOURS: z.coerce.number().int().min(2).default(48),
  TELEMETRY_HOURS_RETENTION_DAYS: z.coerce.number().int().min(35).default(35),
  TELEMETRY_DAYS_RETENTION_DAYS: z.coerce.number().int().min(1).default(400),
});

/** Typed, validated configuration derived once from the environment. */
export type Config = z.infer<typeof configSchema>;

/** Thrown when the Worker is deployed without required settings; answered as a loud 500. */
export class BadEnvironmentError extends Error {
  constructor(readonly issues: string[]) {
    super(`Bad environment: ${issues.join("; ")}`);
  }
}

const configCache = new WeakMap<object, Config>();

/**
 * Parses configuration from the bindings. Cached per env object (one per isolate), so the
 * zod parse runs once, not per request.
 */
export function loadConfig(env: Env): Config {
  const cached = configCache.get(env);
  if (cached) {
    return cached;
  }
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new BadEnvironmentError(
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
    );
  }
  configCache.set(env, parsed.data);
  return parsed.data;
}
