/**
 * The telemetry read of a tick with the `slo_burn_rate` gate: one RPC to the project's
 * telemetry aggregator (no D1 read), only while the rollout runs an assigned step.
 */
import type { Env } from "../../src/bindings";
import type { Rollout } from "../../src/domain/rollout";
import type { SloCohorts } from "../../src/domain/slo/gate";

/** Cohort counts for the gate, or null when the gate is off or no step is assigned. */
export async function readSloCohorts(
  env: Pick<Env, "TELEMETRY">,
  projectId: string,
  rollout: Rollout,
  now: number,
): Promise<SloCohorts | null> {
  const gate = rollout.spec.health_gates.slo_burn_rate;
  if (gate?.slo == null || rollout.state !== "running" || rollout.step.phase === "starting") {
    return null;
  }
  const stub = env.TELEMETRY.get(env.TELEMETRY.idFromName(projectId));
  return stub.cohorts(gate.slo.service, rollout.bundleId, now - gate.window_seconds * 1000);
}
