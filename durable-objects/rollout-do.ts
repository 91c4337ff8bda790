import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";

/**
 * One instance per rollout (named by the rollout id). Owns the rollout's state machine: a thin
 * shell over the pure reducer in src/domain/rollout (storage, one multiplexed alarm, RPC).
 */
export class RolloutDO extends DurableObject<Env> {}
