import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { selectDueScheduledRollouts } from "../../src/jobs/tasks/scheduled-rollouts";
import { selectOverdueRollouts, WATCHDOG_GRACE_MS } from "../../src/jobs/tasks/watchdog";
import { insertRollout, runCron } from "./cron-helpers";
import { createCompiledBundle } from "./fixtures";
import { createTenant } from "./harness";

/** A stand-in ROLLOUTS namespace recording which rollouts got ensureAlarm(). */
function fakeRollouts(failFor: ReadonlySet<string> = new Set()) {
  const nudged: string[] = [];
  const namespace = {
    idFromName: (name: string) => ({ name }),
    get: (id: { name: string }) => ({
      ensureAlarm: async () => {
        if (failFor.has(id.name)) {
          throw new Error("alarm storage unavailable");
        }
        nudged.push(id.name);
      },
    }),
  };
  return { nudged, binding: namespace as unknown as typeof env.ROLLOUTS };
}

/** One rollout per interesting (state, timing) combination, relative to `now`. */
async function fleetOfRollouts(now: number) {
  const t = await createTenant();
  const { bundleId } = await createCompiledBundle(t);
  const overdue = now - WATCHDOG_GRACE_MS - 30_000;
  const recent = now - 10_000;
  const r = (state: string, fields: { nextTickAt?: number; scheduledAt?: number } = {}) =>
    insertRollout(t.projectId, bundleId, { state, ...fields });
  const ids = {
    runningOverdue: await r("running", { nextTickAt: overdue }),
    runningRecent: await r("running", { nextTickAt: recent }),
    runningNoTick: await r("running"),
    pausedOverdue: await r("paused", { nextTickAt: overdue }),
    rollingBackOverdue: await r("rolling_back", { nextTickAt: overdue }),
    approvalOverdue: await r("pending_approval", { nextTickAt: overdue }),
    completedOverdue: await r("completed", { nextTickAt: overdue }),
    scheduledDue: await r("scheduled", { scheduledAt: overdue, nextTickAt: overdue }),
    scheduledJustDue: await r("scheduled", { scheduledAt: recent, nextTickAt: recent }),
    scheduledLater: await r("scheduled", { scheduledAt: now + 3_600_000 }),
    cancelledWasScheduled: await r("cancelled", { scheduledAt: overdue }),
  };
  const mine = new Set(Object.values(ids));
  return { ids, only: (selected: string[]) => selected.filter((id) => mine.has(id)).sort() };
}

describe("rollout watchdog and scheduled-rollout cron", () => {
  it("the watchdog selects running, paused and rolling-back rollouts whose tick is overdue", async () => {
    const now = Date.now();
    const { ids, only } = await fleetOfRollouts(now);
    expect(only(await selectOverdueRollouts(env.DB, now))).toEqual(
      [ids.runningOverdue, ids.pausedOverdue, ids.rollingBackOverdue].sort(),
    );
  });

  it("the scheduled task selects scheduled rollouts whose start time passed the grace period", async () => {
    const now = Date.now();
    const { ids, only } = await fleetOfRollouts(now);
    expect(only(await selectDueScheduledRollouts(env.DB, now))).toEqual([ids.scheduledDue]);
  });

  it("calls ensureAlarm() on exactly the selected rollouts through the scheduled handler", async () => {
    const now = Date.now();
    const { ids, only } = await fleetOfRollouts(now);
    const rollouts = fakeRollouts();
    await runCron(now, { ROLLOUTS: rollouts.binding });
    expect(only(rollouts.nudged)).toEqual(
      [ids.runningOverdue, ids.pausedOverdue, ids.rollingBackOverdue, ids.scheduledDue].sort(),
    );
    expect(new Set(rollouts.nudged).size).toBe(rollouts.nudged.length);
  });

  it("nudges the others when one Durable Object fails, and fails the cron run visibly", async () => {
    const now = Date.now();
    const { ids, only } = await fleetOfRollouts(now);
    const rollouts = fakeRollouts(new Set([ids.pausedOverdue]));
    await expect(runCron(now, { ROLLOUTS: rollouts.binding })).rejects.toThrow(/rollout-watchdog/);
    expect(only(rollouts.nudged)).toEqual(
      [ids.runningOverdue, ids.rollingBackOverdue, ids.scheduledDue].sort(),
    );
  });
});
