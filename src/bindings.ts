/**
 * The Worker's bindings (wrangler.toml plus secrets) as types. A leaf of the import graph: it
 * names each Durable Object by its RPC interface in src/rpc/, never by its class, so the
 * Durable Objects may import src/ (domain, services, `Env`) without an import cycle back.
 * test/unit/architecture/import-graph.test.ts keeps it that way.
 */
import type { AlertEvaluatorRpc } from "./rpc/alert-evaluator";
import type { NodeShardRpc } from "./rpc/node-shard";
import type { ProjectHubRpc } from "./rpc/project-hub";
import type { RateLimiterRpc } from "./rpc/rate-limiter";
import type { RolloutRpc } from "./rpc/rollout";
import type { TelemetryAggregatorRpc } from "./rpc/telemetry-aggregator";
import type { ValidatorRpc } from "./rpc/validator";

/** Bindings declared in wrangler.toml (plus secrets). */
export interface Env {
  DB: D1Database;
  BUNDLES: R2Bucket;
  ROLLOUTS: DurableObjectNamespace<RolloutRpc>;
  PROJECT_HUB: DurableObjectNamespace<ProjectHubRpc>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiterRpc>;
  VALIDATOR: DurableObjectNamespace<ValidatorRpc>;
  NODE_SHARDS: DurableObjectNamespace<NodeShardRpc>;
  TELEMETRY: DurableObjectNamespace<TelemetryAggregatorRpc>;
  ALERT_EVALUATOR: DurableObjectNamespace<AlertEvaluatorRpc>;
  COMPILE_QUEUE: Queue<CompileJob>;
  NOTIFY_QUEUE: Queue<NotifyJob>;
  ASSETS: Fetcher;
  VALIDATOR_MODE?: string;
  POLL_INTERVAL_S?: string;
  HEARTBEAT_INTERVAL_S?: string;
  NODE_OFFLINE_AFTER_S?: string;
  HEARTBEAT_HISTORY_PER_NODE?: string;
  /** Push-socket shards per project (src/domain/node-shard.ts, docs/scale.md). */
  NODE_SHARD_COUNT?: string;
  /** `shard` (default) or `direct`: where heartbeats are written (src/api/node-api/heartbeat-write.ts). */
  HEARTBEAT_WRITE_PATH?: string;
  LOG_LEVEL?: string;
  ZCP_MASTER_KEY?: string;
  AUDIT_HMAC_KEY?: string;
  /** Development only: notification channels may target loopback URLs (http allowed). */
  NOTIFY_ALLOW_LOCAL_URLS?: string;
  /** Development only: SSO providers may live on loopback URLs (http allowed). */
  SSO_ALLOW_LOCAL_URLS?: string;
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
