/**
 * Everything one tick reads: the observation scope from D1 and the node shards (observe.ts),
 * plus the SLO cohorts when the `slo_burn_rate` gate is on (slo-cohorts.ts).
 */
import type { Env } from "../../src/bindings";
import type { HeartbeatObservation } from "../../src/domain/node-hot";
import { observationScope } from "../../src/domain/rollout";
import type { Clock } from "../../src/services";
import type { Logger } from "../../src/services/logger";
import { readShardHeartbeats } from "../../src/services/node-shards";
import { readObservations, type TickRead } from "./observe";
import { readSloCohorts } from "./slo-cohorts";
import type { Loaded } from "./storage";

/** Bindings and settings a tick's read needs. */
export interface TickReadDeps {
  readonly env: Pick<Env, "DB" | "NODE_SHARDS" | "TELEMETRY">;
  readonly shardCount: number;
  readonly logger: Logger;
}

/**
 * Fresh heartbeats from the node shards. A shard that cannot be reached leaves its nodes to
 * D1's (older, sampled) history for this tick rather than failing the tick.
 */
async function shardHeartbeats(
  deps: TickReadDeps,
  projectId: string,
  nodeIds: readonly string[],
): Promise<ReadonlyMap<string, HeartbeatObservation>> {
  try {
    return await readShardHeartbeats(deps.env.NODE_SHARDS, deps.shardCount, projectId, nodeIds);
  } catch (err) {
    deps.logger.warn("node shard heartbeats unavailable; using D1 history", {
      error: String(err),
    });
    return new Map();
  }
}

/**
 * Reads one tick's observations of `loaded`, SLO cohorts included when gated (their window ends
 * at the clock's time once the node read is done).
 */
export async function readTick(
  deps: TickReadDeps,
  loaded: Loaded,
  clock: Clock,
): Promise<TickRead> {
  const { projectId } = loaded.meta;
  const read = await readObservations(
    deps.env.DB,
    projectId,
    loaded.rollout,
    observationScope(loaded.rollout),
    (ids) => shardHeartbeats(deps, projectId, ids),
  );
  const slo = await readSloCohorts(deps.env, projectId, loaded.rollout, clock.now());
  return slo ? { ...read, observations: { ...read.observations, slo } } : read;
}
