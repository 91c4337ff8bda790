/**
 * A deterministic simulated fleet for driving the reducer end to end (scenario and property
 * tests, benchmarks). It executes `assign`/`unassign` commands like the shell would, models
 * agents that activate after a delay, fail, hang, go silent or report bad metrics, and answers
 * observation scopes like the shell's D1 reads would. Time only moves through its arguments.
 */
import type { ReduceResult, RolloutCommand } from "../commands";
import type {
  HealthStatus,
  NodeMetrics,
  NodeObservation,
  NodeReport,
  Observations,
  RolloutEvent,
} from "../events";
import { reduceRollout } from "../reducer";
import type { ObservationScope } from "../scope";
import { observationScope } from "../scope";
import type { Rollout } from "../types";

/** How a simulated node's agent behaves. */
export interface NodeBehaviour {
  /** Time from an assignment to activating it (rollback assignments included). */
  readonly activationDelayMs: number;
  /** What happens with the rollout's bundle: activate it, report `failed`, or never finish. */
  readonly outcome: "activate" | "fail" | "hang";
  /** From this time on the node sends nothing and applies nothing (`null`: never). */
  readonly silentFrom: number | null;
  /** Health and metrics while running the rollout's bundle. */
  readonly health: HealthStatus;
  readonly metrics: NodeMetrics;
  /** Health and metrics while running anything else. */
  readonly baselineMetrics: NodeMetrics;
  /** Whether the agent sends explicit `activated`/`failed` reports besides heartbeats. */
  readonly reports: boolean;
}

/** Initial description of a simulated node. */
export interface SimNodeSpec {
  readonly id: string;
  readonly activeBundleId: string | null;
  readonly behaviour: NodeBehaviour;
  /** Heartbeat phase offset within the interval (ms), so the fleet does not synchronise. */
  readonly phaseMs?: number;
}

interface SimNode {
  readonly id: string;
  readonly behaviour: NodeBehaviour;
  readonly phaseMs: number;
  active: string | null;
  previousActive: string | null;
  activatedAt: number;
  desired: string | null;
  pendingSince: number | null;
  failedReported: boolean;
  lastReport: NodeObservation["lastReport"];
}

/** Default healthy behaviour: activates after 12 s, reports explicitly. */
export const HEALTHY_BEHAVIOUR: NodeBehaviour = {
  activationDelayMs: 12_000,
  outcome: "activate",
  silentFrom: null,
  health: "healthy",
  metrics: {
    error_rate: 0.5,
    latency_p99_ms: 50,
    cpu_percent: 30,
    memory_percent: 40,
    request_count: 400,
  },
  baselineMetrics: {
    error_rate: 0.5,
    latency_p99_ms: 50,
    cpu_percent: 30,
    memory_percent: 40,
    request_count: 400,
  },
  reports: true,
};

/** Deterministic jitter in [−1, 1) from a node id and a time (latency samples need variance). */
function jitter(id: string, t: number): number {
  let h = 2166136261 ^ Math.floor(t / 1000);
  for (let i = 0; i < id.length; i += 1) {
    h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  }
  h = Math.imul(h ^ (h >>> 15), 2246822507);
  h ^= h >>> 13;
  return ((h >>> 0) / 2 ** 32) * 2 - 1;
}

/** A simulated fleet for one rollout of `bundleId`. */
export class FleetSimulator {
  private readonly nodes = new Map<string, SimNode>();
  private pendingReports: NodeReport[] = [];
  /** Every assign/unassign executed, in order. */
  readonly log: Array<{ at: number; command: RolloutCommand }> = [];
  bundleRevoked = false;

  constructor(
    private readonly bundleId: string,
    specs: readonly SimNodeSpec[],
    private readonly heartbeatIntervalMs: number,
  ) {
    for (const s of specs) {
      this.nodes.set(s.id, {
        id: s.id,
        behaviour: s.behaviour,
        phaseMs: s.phaseMs ?? 0,
        active: s.activeBundleId,
        previousActive: s.activeBundleId,
        activatedAt: Number.NEGATIVE_INFINITY,
        desired: s.activeBundleId,
        pendingSince: null,
        failedReported: false,
        lastReport: null,
      });
    }
  }

  /** The node's current desired bundle. */
  desiredOf(id: string): string | null {
    return this.nodes.get(id)?.desired ?? null;
  }

  /** The node's currently running bundle. */
  activeOf(id: string): string | null {
    return this.nodes.get(id)?.active ?? null;
  }

  /** Executes assign/unassign commands like the shell (compare-and-set included). */
  execute(commands: readonly RolloutCommand[], now: number): void {
    for (const command of commands) {
      if (command.type === "assign" || command.type === "unassign") {
        this.log.push({ at: now, command });
        const node = this.nodes.get(command.nodeId);
        if (!node) {
          continue;
        }
        if (command.type === "assign") {
          if (command.ifDesiredBundleId === null || node.desired === command.ifDesiredBundleId) {
            this.setDesired(node, command.bundleId, now);
          }
        } else if (node.desired === command.bundleId) {
          this.setDesired(node, command.restoreBundleId, now);
        }
      }
    }
  }

  private setDesired(node: SimNode, bundle: string | null, now: number): void {
    node.desired = bundle;
    node.pendingSince = bundle !== null && bundle !== node.active ? now : null;
  }

  private silent(node: SimNode, t: number): boolean {
    return node.behaviour.silentFrom !== null && t >= node.behaviour.silentFrom;
  }

  /** Lets agents act up to `now`: activations, failure reports. */
  advance(now: number): void {
    for (const node of this.nodes.values()) {
      if (node.pendingSince === null || node.desired === null) {
        continue;
      }
      const doneAt = node.pendingSince + node.behaviour.activationDelayMs;
      if (now < doneAt || this.silent(node, doneAt)) {
        continue;
      }
      const forward = node.desired === this.bundleId;
      const outcome = forward ? node.behaviour.outcome : "activate";
      if (outcome === "hang") {
        continue;
      }
      if (outcome === "fail") {
        if (!node.failedReported) {
          node.failedReported = true;
          this.report(node, {
            bundleId: node.desired,
            kind: "failed",
            at: doneAt,
            error: "config rejected",
          });
        }
        continue;
      }
      node.previousActive = node.active;
      node.active = node.desired;
      node.activatedAt = doneAt;
      node.pendingSince = null;
      this.report(node, { bundleId: node.desired, kind: "activated", at: doneAt });
    }
  }

  private report(node: SimNode, report: Omit<NodeReport, "nodeId">): void {
    if (!node.behaviour.reports) {
      return;
    }
    node.lastReport = report;
    this.pendingReports.push({ nodeId: node.id, ...report });
  }

  /** Explicit reports produced since the last call (to send as `node_report` events). */
  drainReports(): NodeReport[] {
    const reports = this.pendingReports;
    this.pendingReports = [];
    return reports;
  }

  /** Observation of one node at `now`, as the shell would read it. */
  observe(id: string, now: number): NodeObservation | null {
    const node = this.nodes.get(id);
    if (!node) {
      return null;
    }
    const interval = this.heartbeatIntervalMs;
    let beat = Math.floor((now - node.phaseMs) / interval) * interval + node.phaseMs;
    if (node.behaviour.silentFrom !== null && beat >= node.behaviour.silentFrom) {
      beat =
        Math.floor((node.behaviour.silentFrom - 1 - node.phaseMs) / interval) * interval +
        node.phaseMs;
    }
    const reported = node.activatedAt <= beat ? node.active : node.previousActive;
    const onNew = reported === this.bundleId;
    const base = onNew ? node.behaviour.metrics : node.behaviour.baselineMetrics;
    const latency = base.latency_p99_ms;
    const metrics: NodeMetrics = {
      ...base,
      latency_p99_ms: latency == null ? latency : latency * (1 + 0.1 * jitter(id, beat)),
    };
    return {
      nodeId: id,
      reportedActiveBundleId: reported,
      desiredBundleId: node.desired,
      lastHeartbeatAt: beat,
      health: onNew ? node.behaviour.health : "healthy",
      metrics,
      lastReport: node.lastReport,
    };
  }

  /** Observations for a scope, like the shell's reads before a tick. */
  observations(scope: ObservationScope, now: number): Observations {
    const read = (ids: readonly string[]) =>
      ids.map((id) => this.observe(id, now)).filter((o): o is NodeObservation => o !== null);
    return {
      bundle: { revoked: this.bundleRevoked },
      nodes: read(scope.nodeIds),
      baseline: read(scope.baselineNodeIds),
    };
  }
}

/** One reduction performed by {@link driveRollout}. */
export interface DrivenStep {
  readonly at: number;
  readonly event: RolloutEvent;
  readonly result: ReduceResult;
}

/**
 * Drives a rollout against a simulated fleet like the Durable Object would: at each wake time,
 * explicit reports become `node_report` events, then a tick runs with the scope's observations;
 * commands are executed by the simulator. Stops when the rollout no longer wants a tick or at
 * `until`. `onStep` sees every reduction (invariant checks).
 */
export function driveRollout(
  start: Rollout,
  sim: FleetSimulator,
  startAt: number,
  until: number,
  onStep: (step: DrivenStep) => void = () => {},
): { rollout: Rollout; now: number } {
  let rollout = start;
  let now = startAt;
  const reduce = (event: RolloutEvent): number | null => {
    const result = reduceRollout(rollout, event, now);
    sim.execute(result.commands, now);
    onStep({ at: now, event, result });
    rollout = result.rollout;
    return result.wakeAt;
  };
  while (now <= until) {
    sim.advance(now);
    for (const report of sim.drainReports()) {
      reduce({ type: "node_report", report });
    }
    const observations = sim.observations(observationScope(rollout), now);
    const wakeAt = reduce({ type: "tick", observations });
    if (wakeAt === null) {
      break;
    }
    now = Math.max(wakeAt, now + 1);
  }
  return { rollout, now };
}
