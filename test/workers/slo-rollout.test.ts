/**
 * Done-when of the SLO-gated rollout: simulated nodes (real node API: register, poll,
 * activate, heartbeat, telemetry) roll out a bundle; the cron's SLI job runs on every 5-minute
 * boundary the fake clock crosses. A bundle whose nodes answer 5 % errors pages once through a
 * webhook channel and the `slo_burn_rate` gate fails the rollout and rolls it back; a healthy
 * bundle completes and nothing fires.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  advance,
  createFleet,
  createRolloutOk,
  type Fleet,
  getRollout,
  newBundle,
  rolloutStub,
  startClock,
} from "./rollout-sim";
import { createSlo, deliveredTypes, runSli, webhookChannel } from "./slo-helpers";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

const FIVE_MIN = 5 * 60_000;
const ROUND_MS = 30_000;
const REQUESTS = 1000;

/** Every node: 0.1 % errors on the base bundle, `badErrors` per 1000 on `bad` (if given). */
function withTraffic(fleet: Fleet, bad: string | null, badErrors = 50) {
  for (const node of fleet.nodes) {
    node.behaviour = {
      ...node.behaviour,
      telemetry: (active) => ({
        requests: REQUESTS,
        errors_5xx: bad !== null && active === bad ? badErrors : 1,
      }),
    };
  }
}

/**
 * One 30 s round: every node runs its agent cycle (telemetry included), the SLI job runs if a
 * 5-minute boundary was crossed (as the cron would), then the rollout's alarm.
 */
async function round(fleet: Fleet, rolloutId: string | null): Promise<void> {
  const before = Date.now();
  advance(ROUND_MS);
  for (const node of fleet.nodes) {
    await node.cycle();
  }
  const boundary = Math.floor(Date.now() / FIVE_MIN) * FIVE_MIN;
  if (boundary > before) {
    await runSli(boundary);
  }
  if (rolloutId !== null) {
    await runDurableObjectAlarm(rolloutStub(rolloutId));
  }
}

/** A fleet of 4 with healthy traffic, an SLO on `api`, a webhook channel for `slo.*`. */
async function setup() {
  const fleet = await createFleet(4);
  const slo = await createSlo(fleet.tenant, {
    name: "api availability",
    service: "api",
    objective: "availability",
    target: 99.9,
  });
  const channel = await webhookChannel(fleet.tenant, "slo.*");
  return { fleet, slo, channel };
}

/** Starts the rollout just after a 5-minute boundary, after a minute of healthy traffic. */
async function warmUp(fleet: Fleet): Promise<void> {
  for (let i = 0; i < 2; i += 1) {
    await round(fleet, null);
  }
  vi.setSystemTime(Math.ceil(Date.now() / FIVE_MIN) * FIVE_MIN + 1_000);
}

function rolloutBody(bundleId: string, sloId: string) {
  return {
    bundle_id: bundleId,
    target_selector: { type: "all" },
    strategy: "rolling",
    batch_percentage: 75,
    bake_seconds: 600,
    progress_deadline_seconds: 600,
    // 6 rounds of the 3 updated nodes: the gate waits for 3 minutes of evidence.
    health_gates: { slo_burn_rate: { slo_id: sloId, min_events: 18_000 } },
  };
}

describe("SLO-gated rollout (end to end through the node API)", () => {
  it("a 5 % error bundle pages once, and the slo_burn_rate gate stops it and rolls back", async () => {
    const { fleet, slo, channel } = await setup();
    const bad = await newBundle(fleet, "bad");
    withTraffic(fleet, bad.bundleId);
    await warmUp(fleet);
    const rollout = await createRolloutOk(fleet.tenant, rolloutBody(bad.bundleId, slo.id));
    let view = await getRollout(fleet.tenant, rollout.id);
    for (let i = 0; i < 40 && view.state !== "rolled_back"; i += 1) {
      await round(fleet, rollout.id);
      view = await getRollout(fleet.tenant, rollout.id);
    }
    expect(view.state).toBe("rolled_back");
    expect(view.error).toMatchObject({
      reason: "health_gate_failed",
      details: { gate: "slo_burn_rate", slo_id: slo.id },
    });
    expect(view.error.details.updated_burn_rate).toBeGreaterThan(14.4);
    expect(view.error.details.p_value).toBeLessThan(0.05);
    // Only the first step (3 of 4 nodes) ever ran the bad bundle; all run the base again.
    for (const node of fleet.nodes) {
      expect(node.active).toBe(fleet.base.bundleId);
    }
    expect(
      fleet.nodes.filter((n) => n.offers.some((o) => o.bundle_id === bad.bundleId)),
    ).toHaveLength(3);

    // Let the SLI job run over the next 15 minutes of (healthy) traffic.
    for (let i = 0; i < 30; i += 1) {
      await round(fleet, null);
    }
    const types = await deliveredTypes(channel);
    expect(types.filter((t) => t === "slo.page.detected")).toHaveLength(1);
    expect(types.filter((t) => t === "slo.page.resolved")).toHaveLength(1);
    expect(types.indexOf("slo.page.detected")).toBeLessThan(types.indexOf("slo.page.resolved"));
  });

  it("a healthy bundle completes and nothing fires", async () => {
    const { fleet, slo, channel } = await setup();
    const good = await newBundle(fleet, "good");
    withTraffic(fleet, null);
    await warmUp(fleet);
    const rollout = await createRolloutOk(fleet.tenant, {
      ...rolloutBody(good.bundleId, slo.id),
      bake_seconds: 120,
    });
    let view = await getRollout(fleet.tenant, rollout.id);
    for (let i = 0; i < 40 && view.state !== "completed"; i += 1) {
      await round(fleet, rollout.id);
      view = await getRollout(fleet.tenant, rollout.id);
    }
    expect(view.state).toBe("completed");
    for (let i = 0; i < 12; i += 1) {
      await round(fleet, null);
    }
    expect(await deliveredTypes(channel)).toEqual([]);
  });

  it("with action pause the gate pauses the rollout instead of failing it", async () => {
    const { fleet, slo } = await setup();
    const bad = await newBundle(fleet, "bad-pause");
    withTraffic(fleet, bad.bundleId);
    await warmUp(fleet);
    const body = rolloutBody(bad.bundleId, slo.id);
    const rollout = await createRolloutOk(fleet.tenant, {
      ...body,
      health_gates: { slo_burn_rate: { slo_id: slo.id, min_events: 3_000, action: "pause" } },
    });
    let view = await getRollout(fleet.tenant, rollout.id);
    for (let i = 0; i < 20 && view.state !== "paused"; i += 1) {
      await round(fleet, rollout.id);
      view = await getRollout(fleet.tenant, rollout.id);
    }
    expect(view.state).toBe("paused");
  });
});
