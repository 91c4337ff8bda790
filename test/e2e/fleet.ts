/**
 * Simulated nodes for the browser tests: the simulator's virtual nodes (scripts/simulate), which
 * speak the real node protocol (register, heartbeat, poll, download and verify, report), fast
 * enough for a test to watch rollouts move.
 */
import { silentLogger } from "../../scripts/agent/log";
import { seededRandom } from "../../scripts/simulate/distribution";
import { Fleet } from "../../scripts/simulate/fleet";
import type { E2eContext } from "./context";

const constant = (value: number) => ({ kind: "constant" as const, value });

/** Registers `count` nodes with `labels` (plus a per-node `zone`) and starts them. */
export async function startFleet(
  ctx: E2eContext,
  count: number,
  labels: Record<string, string>,
): Promise<Fleet> {
  const fleet = new Fleet({
    url: ctx.baseUrl,
    project: ctx.project,
    enrollmentToken: ctx.enrollmentToken,
    nodes: count,
    runId: "e2e",
    labels,
    auth: "key",
    behaviour: {
      pollIntervalS: constant(1),
      heartbeatIntervalS: constant(2),
      activationDelayMs: constant(400),
      failureRate: 0,
      unhealthyRate: 0,
      metrics: [],
      download: true,
      // Dashboard tests drive nodes by polling (push is covered by the workers tests).
      push: false,
      maxBackoffMs: 2_000,
    },
    concurrency: 8,
    churnPerMin: 0,
    churnDowntimeS: constant(0),
    requestTimeoutMs: 10_000,
    random: seededRandom(7),
    log: silentLogger,
  });
  const failures = await fleet.enroll();
  if (failures.length > 0) {
    throw new Error(`node registration failed: ${failures.join("; ")}`);
  }
  fleet.start();
  return fleet;
}
