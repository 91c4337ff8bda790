import type {
  NodeObservation,
  Observations,
  ReduceResult,
  Rollout,
  RolloutCommand,
  RolloutCommandType,
  RolloutEvent,
  RolloutSpecInput,
} from "../../../src/domain/rollout";
import {
  createRollout,
  observationScope,
  planRollout,
  reduceRollout,
  resolveRolloutSpec,
} from "../../../src/domain/rollout";
import type { NodeBehaviour, SimNodeSpec } from "../../../src/domain/rollout/testing/simulator";
import { FleetSimulator, HEALTHY_BEHAVIOUR } from "../../../src/domain/rollout/testing/simulator";

export const BUNDLE = "b".repeat(64);
export const PREV = "a".repeat(64);
export const T0 = Date.UTC(2026, 0, 1);
export const HEARTBEAT_S = 10;
export const CREATOR = "user-creator";

/** Node ids `n00`, `n01`, … (name = id). */
export function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${String(i).padStart(2, "0")}`);
}

/** Plans and creates a rollout over `n` nodes that all run PREV. */
export function create(
  n: number,
  spec: RolloutSpecInput,
  opts: { approvalsRequired?: number; scheduledAt?: number | null; now?: number } = {},
): ReduceResult {
  const rolloutSpec = resolveRolloutSpec(spec);
  const plan = planRollout({
    rolloutSpec,
    candidateNodes: ids(n).map((id) => ({
      id,
      name: id,
      activeBundleId: PREV,
      desiredBundleId: PREV,
    })),
    nodesInOtherActiveRollouts: new Set(),
    bundleId: BUNDLE,
  });
  if (!plan.ok) {
    throw new Error(plan.error.message);
  }
  return createRollout({
    id: "r1",
    bundleId: BUNDLE,
    spec: rolloutSpec,
    steps: plan.steps,
    createdBy: CREATOR,
    now: opts.now ?? T0,
    approvalsRequired: opts.approvalsRequired ?? 0,
    scheduledAt: opts.scheduledAt ?? null,
    heartbeatIntervalSeconds: HEARTBEAT_S,
  });
}

/** An observation with a fresh healthy heartbeat (1 s old) reporting `active`. */
export function obs(
  nodeId: string,
  active: string | null,
  now: number,
  overrides: Partial<Omit<NodeObservation, "nodeId">> = {},
): NodeObservation {
  return {
    nodeId,
    reportedActiveBundleId: active,
    desiredBundleId: active,
    lastHeartbeatAt: now - 1000,
    health: "healthy",
    metrics: { error_rate: 0.1, latency_p99_ms: 40, cpu_percent: 10, memory_percent: 20 },
    lastReport: null,
    ...overrides,
  };
}

/** Observations of the scope's nodes, built by `make` (default: running PREV, healthy). */
export function observe(
  r: Rollout,
  now: number,
  make: (nodeId: string) => NodeObservation | null = (id) => obs(id, PREV, now),
  revoked = false,
): Observations {
  const scope = observationScope(r);
  const pick = (list: readonly string[]) =>
    list.map(make).filter((o): o is NodeObservation => o !== null);
  return { bundle: { revoked }, nodes: pick(scope.nodeIds), baseline: pick(scope.baselineNodeIds) };
}

/** A tick with observations built by `make`. */
export function tick(
  r: Rollout,
  now: number,
  make?: (nodeId: string) => NodeObservation | null,
  revoked = false,
): ReduceResult {
  return reduceRollout(r, { type: "tick", observations: observe(r, now, make, revoked) }, now);
}

/** Applies an event. */
export function send(r: Rollout, event: RolloutEvent, now: number): ReduceResult {
  return reduceRollout(r, event, now);
}

/** Commands of one type. */
export function commandsOf<T extends RolloutCommandType>(
  result: { commands: readonly RolloutCommand[] },
  type: T,
): Array<Extract<RolloutCommand, { type: T }>> {
  return result.commands.filter((c): c is Extract<RolloutCommand, { type: T }> => c.type === type);
}

/** Types of the commands, in order. */
export function commandTypes(result: {
  commands: readonly RolloutCommand[];
}): RolloutCommandType[] {
  return result.commands.map((c) => c.type);
}

/** Narrows a rollout to a state or fails the test. */
export function expectState<S extends Rollout["state"]>(
  r: Rollout,
  state: S,
): Extract<Rollout, { state: S }> {
  if (r.state !== state) {
    throw new Error(`expected state ${state}, got ${r.state}`);
  }
  return r as Extract<Rollout, { state: S }>;
}

/** A simulated fleet of `n` nodes on PREV with per-node behaviour overrides. */
export function simFleet(
  n: number,
  behaviour: (nodeId: string, index: number) => Partial<NodeBehaviour> = () => ({}),
): FleetSimulator {
  const specs: SimNodeSpec[] = ids(n).map((id, i) => ({
    id,
    activeBundleId: PREV,
    behaviour: { ...HEALTHY_BEHAVIOUR, ...behaviour(id, i) },
    phaseMs: (i * 997) % (HEARTBEAT_S * 1000),
  }));
  return new FleetSimulator(BUNDLE, specs, HEARTBEAT_S * 1000);
}
