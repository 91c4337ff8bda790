import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSilenced, type SilenceWindow } from "../../../src/domain/alerts/silence";
import {
  type AlertNotification,
  type AlertStatus,
  evaluate,
  initialStatus,
  type Observation,
  RESOLVED_RETAIN_MS,
  type RuleCondition,
  retire,
} from "../../../src/domain/alerts/state";

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const STEP_MS = 30_000;
const rule: RuleCondition = { comparator: ">", threshold: 5, forMs: 60_000 };
const v = (value: number): Observation => ({ kind: "value", value });
const NO_DATA: Observation = { kind: "no_data" };

/** Drives the machine with a fake clock: one observation every 30 s from T0. */
function drive(
  cond: RuleCondition,
  observations: readonly Observation[],
  silenced: (now: number) => boolean = () => false,
) {
  let status: AlertStatus = initialStatus(T0);
  const states: string[] = [];
  const sent: Array<AlertNotification & { at: number }> = [];
  observations.forEach((obs, i) => {
    const now = T0 + i * STEP_MS;
    const r = evaluate(status, cond, obs, now, silenced(now));
    status = r.status;
    states.push(status.state);
    sent.push(...r.notifications.map((n) => ({ ...n, at: now })));
  });
  return { status, states, sent };
}

describe("alert state machine", () => {
  it("goes inactive → pending → firing → resolved and notifies once each", () => {
    const { states, sent } = drive(rule, [v(1), v(9), v(9), v(9), v(9), v(2), v(2)]);
    expect(states).toEqual([
      "inactive",
      "pending",
      "pending",
      "firing", // 60 s after the breach began
      "firing",
      "resolved",
      "resolved",
    ]);
    expect(sent.map((n) => [n.kind, n.at - T0])).toEqual([
      ["firing", 3 * STEP_MS],
      ["resolved", 5 * STEP_MS],
    ]);
    expect(sent[0]?.breachSince).toBe(T0 + STEP_MS);
    expect(sent[1]?.value).toBe(2);
  });

  it("honours the `for` duration exactly: a breach shorter than `for` never fires", () => {
    const { states, sent } = drive(rule, [v(9), v(9), v(1), v(9), v(9), v(1)]);
    expect(states).toEqual(["pending", "pending", "inactive", "pending", "pending", "inactive"]);
    expect(sent).toEqual([]);
  });

  it("fires on the first breach when `for` is 0", () => {
    const { states, sent } = drive({ ...rule, forMs: 0 }, [v(6), v(4)]);
    expect(states).toEqual(["firing", "resolved"]);
    expect(sent.map((n) => n.kind)).toEqual(["firing", "resolved"]);
  });

  it("applies every comparator, with the threshold itself on the right side", () => {
    const at = (comparator: RuleCondition["comparator"], value: number) =>
      drive({ comparator, threshold: 5, forMs: 0 }, [v(value)]).states[0];
    expect([at(">", 5), at(">", 5.01)]).toEqual(["inactive", "firing"]);
    expect([at(">=", 4.99), at(">=", 5)]).toEqual(["inactive", "firing"]);
    expect([at("<", 5), at("<", 4.99)]).toEqual(["inactive", "firing"]);
    expect([at("<=", 5.01), at("<=", 5)]).toEqual(["inactive", "firing"]);
  });

  it("without data: pending falls back, firing holds, nothing is notified", () => {
    const a = drive(rule, [v(9), NO_DATA]);
    expect(a.states).toEqual(["pending", "inactive"]);
    const b = drive({ ...rule, forMs: 0 }, [v(9), NO_DATA, NO_DATA, v(1)]);
    expect(b.states).toEqual(["firing", "firing", "firing", "resolved"]);
    expect(b.sent.map((n) => n.kind)).toEqual(["firing", "resolved"]);
  });

  it("keeps `resolved` visible for the retention time, then reads inactive", () => {
    const steps = Math.ceil(RESOLVED_RETAIN_MS / STEP_MS);
    const obs = [v(9), v(1), ...Array.from({ length: steps }, () => v(1))];
    const { states, sent } = drive({ ...rule, forMs: 0 }, obs);
    expect(states[1]).toBe("resolved");
    expect(states[steps]).toBe("resolved");
    expect(states[steps + 1]).toBe("inactive");
    expect(sent).toHaveLength(2);
  });

  it("a new breach after resolving starts a new episode with its own pair", () => {
    const { sent } = drive({ ...rule, forMs: 0 }, [v(9), v(1), v(9), v(1)]);
    expect(sent.map((n) => n.kind)).toEqual(["firing", "resolved", "firing", "resolved"]);
  });

  it("ignores NaN and infinities as breaches", () => {
    const { states } = drive({ ...rule, forMs: 0 }, [v(Number.NaN)]);
    expect(states).toEqual(["inactive"]);
  });
});

describe("silences", () => {
  const silence: SilenceWindow = {
    ruleId: "r1",
    startsAt: T0,
    endsAt: T0 + 3 * STEP_MS,
  };

  it("match only while active and only their rule (or every rule when ruleId is null)", () => {
    expect(isSilenced("r1", [silence], T0 - 1)).toBe(false);
    expect(isSilenced("r1", [silence], T0)).toBe(true);
    expect(isSilenced("r1", [silence], silence.endsAt - 1)).toBe(true);
    expect(isSilenced("r1", [silence], silence.endsAt)).toBe(false);
    expect(isSilenced("r2", [silence], T0)).toBe(false);
    expect(isSilenced("r2", [{ ...silence, ruleId: null }], T0)).toBe(true);
  });

  it("hold the firing notification back until they expire, if still firing", () => {
    const { states, sent } = drive(
      { ...rule, forMs: 0 },
      [v(9), v(9), v(9), v(9), v(9), v(1)],
      (now) => isSilenced("r1", [silence], now),
    );
    expect(states.slice(0, 5)).toEqual(Array(5).fill("firing"));
    expect(sent.map((n) => [n.kind, n.at - T0])).toEqual([
      ["firing", 3 * STEP_MS], // the first evaluation after the silence ended
      ["resolved", 5 * STEP_MS],
    ]);
  });

  it("an episode that fires and resolves inside a silence sends nothing", () => {
    const { sent } = drive({ ...rule, forMs: 0 }, [v(9), v(1), v(1), v(1)], (now) =>
      isSilenced("r1", [silence], now),
    );
    expect(sent).toEqual([]);
  });

  it("a resolve under a silence is still sent when the firing was (balanced pair)", () => {
    const late: SilenceWindow = { ruleId: "r1", startsAt: T0 + STEP_MS, endsAt: T0 + 99 * STEP_MS };
    const { sent } = drive({ ...rule, forMs: 0 }, [v(9), v(9), v(1)], (now) =>
      isSilenced("r1", [late], now),
    );
    expect(sent.map((n) => n.kind)).toEqual(["firing", "resolved"]);
  });
});

describe("retire (rule deleted or disabled)", () => {
  it("closes a notified firing episode with one resolved notification", () => {
    const { status } = drive({ ...rule, forMs: 0 }, [v(9)]);
    const r = retire(status, T0 + STEP_MS);
    expect(r.status.state).toBe("inactive");
    expect(r.notifications.map((n) => n.kind)).toEqual(["resolved"]);
    expect(r.transition).toMatchObject({ from: "firing", to: "inactive" });
  });

  it("sends nothing for a pending, silenced-firing or inactive rule", () => {
    expect(retire(drive(rule, [v(9)]).status, T0).notifications).toEqual([]);
    const silencedFiring = drive({ ...rule, forMs: 0 }, [v(9)], () => true).status;
    expect(retire(silencedFiring, T0).notifications).toEqual([]);
    const r = retire(initialStatus(T0), T0);
    expect(r.notifications).toEqual([]);
    expect(r.transition).toBeNull();
  });
});

describe("properties", () => {
  const arbObs = fc.oneof(
    fc.constant<Observation>(NO_DATA),
    fc.double({ min: 0, max: 10, noNaN: true }).map((x) => v(x)),
  );

  it("notifications alternate firing/resolved, and every resolve follows a firing", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(arbObs, fc.boolean()), { maxLength: 80 }),
        fc.integer({ min: 0, max: 4 }),
        (steps, forSteps) => {
          const silencedAt = new Map(steps.map(([, s], i) => [T0 + i * STEP_MS, s]));
          const { sent, states } = drive(
            { ...rule, forMs: forSteps * STEP_MS },
            steps.map(([o]) => o),
            (now) => silencedAt.get(now) ?? false,
          );
          sent.forEach((n, i) => {
            expect(n.kind).toBe(i % 2 === 0 ? "firing" : "resolved");
          });
          // A firing notification is only ever sent while the state is firing.
          for (const n of sent.filter((s) => s.kind === "firing")) {
            expect(states[(n.at - T0) / STEP_MS]).toBe("firing");
          }
        },
      ),
    );
  });

  it("firing notifications never exceed the number of entries into `firing`", () => {
    fc.assert(
      fc.property(fc.array(arbObs, { maxLength: 80 }), (obs) => {
        const { sent, states } = drive({ ...rule, forMs: 0 }, obs);
        const entries = states.filter((s, i) => s === "firing" && states[i - 1] !== "firing");
        expect(sent.filter((n) => n.kind === "firing").length).toBe(entries.length);
      }),
    );
  });
});
