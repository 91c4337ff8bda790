import { createApp } from "./app";
import type { Env } from "./env";
import "./jobs/compile";
import "./jobs/compile-dlq";
import "./jobs/notify";
import { handleScheduled } from "./jobs/cron";
import "./jobs/tasks";
import { handleQueue } from "./jobs/queue";

export { AlertEvaluatorDO } from "../durable-objects/alert-evaluator";
export { NodeShardDO } from "../durable-objects/node-shard";
export { ProjectHubDO } from "../durable-objects/project-hub";
export { RateLimiterDO } from "../durable-objects/rate-limiter";
export { RolloutDO } from "../durable-objects/rollout-do";
export { TelemetryAggregatorDO } from "../durable-objects/telemetry-aggregator";
export { ValidatorContainer } from "../durable-objects/validator-container";

const app = createApp();

// `satisfies` (not a type annotation) keeps `fetch`, `queue` and `scheduled` non-optional, so
// tests can call them without assertions.
export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env>;
