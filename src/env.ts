import { z } from "zod";
import type { ProjectHubDO } from "../durable-objects/project-hub";
import type { RateLimiterDO } from "../durable-objects/rate-limiter";
import type { RolloutDO } from "../durable-objects/rollout-do";
import type { ValidatorContainer } from "../durable-objects/validator-container";
import type { TelemetryAggregatorRpc } from "./domain/telemetry/rpc";

/** Bindings declared in wrangler.toml (plus secrets). */
export interface Env {
  DB: D1Database;
  BUNDLES: R2Bucket;
  ROLLOUTS: DurableObjectNamespace<RolloutDO>;
  PROJECT_HUB: DurableObjectNamespace<ProjectHubDO>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiterDO>;
  VALIDATOR: DurableObjectNamespace<ValidatorContainer>;
  /** Typed through its RPC interface: the Worker's types never import the class. */
  TELEMETRY: DurableObjectNamespace<TelemetryAggregatorRpc>;
  COMPILE_QUEUE: Queue<CompileJob>;
  NOTIFY_QUEUE: Queue<NotifyJob>;
  ASSETS: Fetcher;
  VALIDATOR_MODE?: string;
  POLL_INTERVAL_S?: string;
  HEARTBEAT_INTERVAL_S?: string;
  NODE_OFFLINE_AFTER_S?: string;
  HEARTBEAT_HISTORY_PER_NODE?: string;
  LOG_LEVEL?: string;
  ZCP_MASTER_KEY?: string;
  AUDIT_HMAC_KEY?: string;
  /** Development only: notification channels may target loopback URLs (http allowed). */
  NOTIFY_ALLOW_LOCAL_URLS?: string;
  TELEMETRY_MINUTES_RETENTION_HOURS?: string;
  TELEMETRY_HOURS_RETENTION_DAYS?: string;
  TELEMETRY_DAYS_RETENTION_DAYS?: string;
}

/** A compile job: the bundle row already exists with status `pending`. */
export interface CompileJob {
  bundleId: string;
  projectId: string;
  requestId?: string;
}

/** A notification delivery job (one event × one channel). */
export interface NotifyJob {
  deliveryId: string;
}

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const configSchema = z.object({
  VALIDATOR_MODE: z.enum(["embedded", "container"]).default("embedded"),
  POLL_INTERVAL_S: seconds(30),
  HEARTBEAT_INTERVAL_S: seconds(30),
  NODE_OFFLINE_AFTER_S: seconds(120),
  HEARTBEAT_HISTORY_PER_NODE: seconds(100),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  ZCP_MASTER_KEY: z.string().min(32, "ZCP_MASTER_KEY must be at least 32 characters"),
  AUDIT_HMAC_KEY: z.string().min(32, "AUDIT_HMAC_KEY must be at least 32 characters"),
  NOTIFY_ALLOW_LOCAL_URLS: z.stringbool().default(false),
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
