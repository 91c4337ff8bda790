/**
 * Every state × every event. The expectation table is a mapped type over both unions, so a new
 * state or event type does not compile until this table says what must happen.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type {
  Outcome,
  Rollout,
  RolloutCommandType,
  RolloutEvent,
  RolloutEventType,
  RolloutStateName,
} from "../../../src/domain/rollout";
import { ROLLOUT_EVENT_TYPES, ROLLOUT_STATES, reduceRollout } from "../../../src/domain/rollout";
import { FIXTURE_NOW, FIXTURES } from "./fixtures";
import { BUNDLE, commandTypes, obs, observe, PREV } from "./helpers";

type Cell =
  | { readonly outcome: "ignored" }
  | { readonly outcome: "refused"; readonly code: Extract<Outcome, { kind: "refused" }>["code"] }
  | {
      readonly outcome: "applied";
      readonly state: RolloutStateName;
      /** Command types that must be present. */
      readonly commands: readonly RolloutCommandType[];
    };

const IGNORED: Cell = { outcome: "ignored" };
const CONFLICT: Cell = { outcome: "refused", code: "invalid_state" };
const TERMINAL_ROW = {
  tick: IGNORED,
  node_report: IGNORED,
  pause: CONFLICT,
  resume: CONFLICT,
  cancel: CONFLICT,
  approve: CONFLICT,
  reject: CONFLICT,
  promote: CONFLICT,
  start: IGNORED,
} as const;
const ROLLBACK_STARTED: Cell = {
  outcome: "applied",
  state: "rolling_back",
  commands: ["assign", "audit", "emit_event", "persist_rollout"],
};
const CANCELLED: Cell = {
  outcome: "applied",
  state: "cancelled",
  commands: ["audit", "emit_event", "skip_pending_nodes", "persist_rollout"],
};

const MATRIX: { readonly [S in RolloutStateName]: { readonly [E in RolloutEventType]: Cell } } = {
  pending_approval: {
    tick: IGNORED,
    node_report: IGNORED,
    pause: CONFLICT,
    resume: CONFLICT,
    cancel: CANCELLED,
    rollback: CONFLICT,
    approve: {
      outcome: "applied",
      state: "running",
      commands: ["audit", "emit_event", "persist_rollout"],
    },
    reject: CANCELLED,
    promote: CONFLICT,
    start: CONFLICT,
  },
  scheduled: {
    tick: IGNORED,
    node_report: IGNORED,
    pause: CONFLICT,
    resume: CONFLICT,
    cancel: CANCELLED,
    rollback: CONFLICT,
    approve: CONFLICT,
    reject: CONFLICT,
    promote: CONFLICT,
    start: IGNORED,
  },
  running: {
    tick: { outcome: "applied", state: "running", commands: [] },
    node_report: {
      outcome: "applied",
      state: "running",
      commands: ["persist_nodes", "persist_rollout"],
    },
    pause: {
      outcome: "applied",
      state: "paused",
      commands: ["audit", "emit_event", "persist_rollout"],
    },
    resume: IGNORED,
    cancel: {
      ...CANCELLED,
      commands: ["unassign", "persist_step", "persist_nodes", ...CANCELLED.commands],
    },
    rollback: {
      ...ROLLBACK_STARTED,
      commands: ["persist_step", "skip_pending_nodes", ...ROLLBACK_STARTED.commands],
    },
    approve: CONFLICT,
    reject: CONFLICT,
    promote: CONFLICT,
    start: IGNORED,
  },
  paused: {
    tick: IGNORED,
    node_report: {
      outcome: "applied",
      state: "paused",
      commands: ["persist_nodes", "persist_rollout"],
    },
    pause: IGNORED,
    resume: {
      outcome: "applied",
      state: "running",
      commands: ["audit", "emit_event", "persist_rollout"],
    },
    cancel: { ...CANCELLED, commands: ["unassign", ...CANCELLED.commands] },
    rollback: ROLLBACK_STARTED,
    approve: CONFLICT,
    reject: CONFLICT,
    promote: CONFLICT,
    start: IGNORED,
  },
  rolling_back: {
    tick: {
      outcome: "applied",
      state: "rolled_back",
      commands: ["persist_nodes", "audit", "persist_rollout"],
    },
    node_report: IGNORED,
    pause: CONFLICT,
    resume: CONFLICT,
    cancel: CONFLICT,
    rollback: IGNORED,
    approve: CONFLICT,
    reject: CONFLICT,
    promote: CONFLICT,
    start: IGNORED,
  },
  completed: { ...TERMINAL_ROW, rollback: ROLLBACK_STARTED },
  failed: { ...TERMINAL_ROW, rollback: ROLLBACK_STARTED },
  cancelled: { ...TERMINAL_ROW, cancel: IGNORED, rollback: ROLLBACK_STARTED },
  rolled_back: { ...TERMINAL_ROW, rollback: IGNORED },
};

/** One event of each type, as an operator or the shell would send it at FIXTURE_NOW. */
const EVENTS: { readonly [E in RolloutEventType]: (r: Rollout) => RolloutEvent } = {
  tick: (r) => ({
    type: "tick",
    observations: observe(r, FIXTURE_NOW, (id) => obs(id, PREV, FIXTURE_NOW)),
  }),
  node_report: () => ({
    type: "node_report",
    report: { nodeId: "n01", bundleId: BUNDLE, kind: "activated", at: FIXTURE_NOW },
  }),
  pause: () => ({ type: "pause", actor: "op" }),
  resume: () => ({ type: "resume", actor: "op" }),
  cancel: () => ({ type: "cancel", actor: "op", reason: "change freeze" }),
  rollback: () => ({ type: "rollback", actor: "op" }),
  approve: () => ({ type: "approve", userId: "approver-1" }),
  reject: () => ({ type: "reject", userId: "approver-1", comment: "not during the sale" }),
  promote: () => ({ type: "promote", actor: "op" }),
  start: () => ({ type: "start", actor: "system" }),
};

it("lists every state and event type (compile-time and run-time)", () => {
  expectTypeOf<(typeof ROLLOUT_EVENT_TYPES)[number]>().toEqualTypeOf<RolloutEventType>();
  expectTypeOf<(typeof ROLLOUT_STATES)[number]>().toEqualTypeOf<Rollout["state"]>();
  expect(Object.keys(MATRIX).sort()).toEqual([...ROLLOUT_STATES].sort());
  for (const row of Object.values(MATRIX)) {
    expect(Object.keys(row).sort()).toEqual([...ROLLOUT_EVENT_TYPES].sort());
  }
});

describe.each(ROLLOUT_STATES.map((s) => [s] as const))("in state %s", (state) => {
  it.each(ROLLOUT_EVENT_TYPES.map((e) => [e] as const))("handles %s", (eventType) => {
    const rollout = FIXTURES[state]();
    expect(rollout.state).toBe(state);
    const cell = MATRIX[state][eventType];
    const result = reduceRollout(rollout, EVENTS[eventType](rollout), FIXTURE_NOW);
    expect(result.outcome.kind).toBe(cell.outcome);
    if (cell.outcome === "applied") {
      expect(result.rollout.state).toBe(cell.state);
      expect(commandTypes(result)).toEqual(expect.arrayContaining([...cell.commands]));
      if (cell.state !== state) {
        expect(result.rollout.updatedAt).toBe(FIXTURE_NOW);
      }
    } else {
      // Ignored and refused events change nothing and command nothing.
      expect(result.rollout).toBe(rollout);
      expect(result.commands).toEqual([]);
      if (cell.outcome === "refused") {
        expect(result.outcome).toMatchObject({ kind: "refused", code: cell.code });
      }
    }
    // The driver can always act on the result: terminal and approval states need no alarm.
    const needsAlarm = ![
      "pending_approval",
      "completed",
      "failed",
      "cancelled",
      "rolled_back",
    ].includes(result.rollout.state);
    expect(result.wakeAt !== null).toBe(needsAlarm);
  });
});
