/**
 * One rollout in each state, reached through the reducer itself (never hand-built), over four
 * nodes in two rolling steps of two, with `auto_rollback` off so `failed` stays `failed`.
 */
import type { Rollout, RolloutStateName } from "../../../src/domain/rollout";
import { BUNDLE, create, expectState, obs, PREV, send, T0, tick } from "./helpers";

/** The spec every fixture uses. */
export const FIXTURE_SPEC = { strategy: "rolling", batch_size: 2, auto_rollback: false } as const;

/** Time of the fixtures' last transition is before this. */
export const FIXTURE_NOW = T0 + 60_000;

function running(): Rollout {
  const created = create(4, FIXTURE_SPEC).rollout;
  return tick(created, T0 + 1).rollout;
}

/** Running with n00 active on the new bundle (n01 still assigned). */
function runningWithOneActive(): Rollout {
  const r = tick(running(), T0 + 5000, (id) =>
    obs(id, id === "n00" ? BUNDLE : PREV, T0 + 5000),
  ).rollout;
  return expectState(r, "running");
}

function completed(): Rollout {
  let r = running();
  let now = T0 + 5000;
  for (let i = 0; i < 6 && r.state === "running"; i += 1) {
    r = tick(r, now, (id) => obs(id, BUNDLE, now)).rollout;
    now += 5000;
  }
  return expectState(r, "completed");
}

function rollingBack(): Rollout {
  return expectState(
    send(runningWithOneActive(), { type: "rollback", actor: "op" }, T0 + 10_000).rollout,
    "rolling_back",
  );
}

/** Builders of one rollout per state. */
export const FIXTURES: { readonly [S in RolloutStateName]: () => Rollout } = {
  pending_approval: () =>
    expectState(create(4, FIXTURE_SPEC, { approvalsRequired: 1 }).rollout, "pending_approval"),
  scheduled: () =>
    expectState(create(4, FIXTURE_SPEC, { scheduledAt: T0 + 3_600_000 }).rollout, "scheduled"),
  running: () => expectState(running(), "running"),
  paused: () =>
    expectState(send(running(), { type: "pause", actor: "op" }, T0 + 2000).rollout, "paused"),
  completed,
  failed: () => {
    const failedReport = {
      bundleId: BUNDLE,
      kind: "failed" as const,
      at: T0 + 4000,
      error: "bad config",
    };
    const r = tick(running(), T0 + 5000, (id) =>
      obs(id, PREV, T0 + 5000, id === "n00" ? { lastReport: failedReport } : {}),
    );
    return expectState(r.rollout, "failed");
  },
  cancelled: () =>
    expectState(
      send(runningWithOneActive(), { type: "cancel", actor: "op" }, T0 + 10_000).rollout,
      "cancelled",
    ),
  rolling_back: rollingBack,
  rolled_back: () => {
    const r = tick(rollingBack(), T0 + 20_000, (id) => obs(id, PREV, T0 + 20_000));
    return expectState(r.rollout, "rolled_back");
  },
};
