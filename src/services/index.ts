import type { DrizzleD1Database } from "drizzle-orm/d1";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../db/schema";
import { type Config, type Env, loadConfig } from "../env";
import { type AuditService, createAuditService } from "./audit";
import { createLogger, type Logger } from "./logger";
import { SigningKeyService } from "./signing-keys";

/** Drizzle over D1 with the full schema. */
export type Db = DrizzleD1Database<typeof schema>;
export type ProjectRow = typeof schema.projects.$inferSelect;
export type NodeRow = typeof schema.nodes.$inferSelect;
export type BundleRow = typeof schema.bundles.$inferSelect;

/** A source of time; tests may substitute a fake. */
export interface Clock {
  now(): number;
}

/**
 * Everything a handler may use, built once per request by the init middleware. Handlers never
 * read `c.env`; they take what they need from here.
 */
export interface Services {
  config: Config;
  db: Db;
  /** The raw binding, for hand-written statements on hot paths. */
  d1: D1Database;
  logger: Logger;
  clock: Clock;
  audit: AuditService;
  /** Per-project Ed25519 keys (bundle signing, node JWTs). */
  signingKeys: SigningKeyService;
  bundleStore: R2Bucket;
  compileQueue: Env["COMPILE_QUEUE"];
  notifyQueue: Env["NOTIFY_QUEUE"];
  rollouts: Env["ROLLOUTS"];
  hubs: Env["PROJECT_HUB"];
  rateLimiters: Env["RATE_LIMITER"];
  validator: Env["VALIDATOR"];
  /** Per-project telemetry aggregators (node telemetry ingest, rollout cohorts). */
  telemetry: Env["TELEMETRY"];
  /** Push-socket shards (`shardFor` in src/domain/node-shard.ts). */
  nodeShards: Env["NODE_SHARDS"];
  /** One alert evaluator per project (idFromName(project id)). */
  alertEvaluators: Env["ALERT_EVALUATOR"];
  /** Schedules work after the response (ctx.waitUntil), e.g. last-used timestamps. */
  defer(promise: Promise<unknown>): void;
  requestId: string;
}

const systemClock: Clock = { now: () => Date.now() };

/** Builds the services for one request, queue batch or cron run. */
export function createServices(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  requestId: string,
  opts: { logger?: Logger; clock?: Clock } = {},
): Services {
  const config = loadConfig(env);
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL, { request_id: requestId });
  const db = drizzle(env.DB, { schema });
  return {
    config,
    db,
    d1: env.DB,
    logger,
    clock,
    audit: createAuditService(env, () => clock.now()),
    signingKeys: new SigningKeyService(db, config.ZCP_MASTER_KEY, () => clock.now()),
    bundleStore: env.BUNDLES,
    compileQueue: env.COMPILE_QUEUE,
    notifyQueue: env.NOTIFY_QUEUE,
    rollouts: env.ROLLOUTS,
    hubs: env.PROJECT_HUB,
    rateLimiters: env.RATE_LIMITER,
    validator: env.VALIDATOR,
    telemetry: env.TELEMETRY,
    nodeShards: env.NODE_SHARDS,
    alertEvaluators: env.ALERT_EVALUATOR,
    defer: (p) =>
      ctx.waitUntil(
        p.catch((err: unknown) => logger.error("deferred task failed", { error: String(err) })),
      ),
    requestId,
  };
}
