/**
 * The alert rule state machine (pure; time is a parameter).
 *
 *   inactive ──breach──▶ pending ──breach held for `for`──▶ firing ──no breach──▶ resolved
 *       ▲                  │                                                      │
 *       └──── no breach ───┘                      resolved ──breach──▶ pending ◀──┘
 *
 * A rule with `for` 0 goes straight from inactive (or resolved) to firing. `resolved` is kept
 * for {@link RESOLVED_RETAIN_MS} so the dashboard shows what just ended, then becomes
 * `inactive` silently.
 *
 * Notifications are decided here, per firing episode (one pass through `firing`):
 * - exactly one `firing` notification, at the first evaluation in `firing` that no silence
 *   covers (so an alert that fired under a silence notifies once the silence expires, if it is
 *   still firing);
 * - exactly one `resolved` notification, and only when that episode's `firing` notification
 *   was sent. Receivers therefore always see balanced pairs: no resolve without an open
 *   incident, no incident left open because its resolve fell into a silence.
 */

/** The four states of an alert rule. */
export const ALERT_STATES = ["inactive", "pending", "firing", "resolved"] as const;
/** One state of an alert rule. */
export type AlertState = (typeof ALERT_STATES)[number];

/** Comparators a threshold rule may use. */
export const COMPARATORS = [">", ">=", "<", "<="] as const;
/** How a rule compares its metric with its threshold. */
export type Comparator = (typeof COMPARATORS)[number];

/** How long a resolved alert stays visible as `resolved` before it reads `inactive`. */
export const RESOLVED_RETAIN_MS = 15 * 60_000;

/** What the state machine needs of a rule. */
export interface RuleCondition {
  readonly comparator: Comparator;
  readonly threshold: number;
  /** How long the condition must hold before pending becomes firing (0 = fire at once). */
  readonly forMs: number;
}

/** Persisted per-rule state (one row per rule). */
export interface AlertStatus {
  readonly state: AlertState;
  /** When the current state was entered. */
  readonly since: number;
  /** Start of the current breach (pending or firing), else null. */
  readonly breachSince: number | null;
  /** Whether the current (or just resolved) firing episode's `firing` notification was sent. */
  readonly firingNotified: boolean;
  /** The value of the last evaluation, null when it had no data. */
  readonly lastValue: number | null;
  readonly lastEvaluatedAt: number | null;
}

/** The state of a rule that was never evaluated. */
export function initialStatus(now: number): AlertStatus {
  return {
    state: "inactive",
    since: now,
    breachSince: null,
    firingNotified: false,
    lastValue: null,
    lastEvaluatedAt: null,
  };
}

/** One evaluation's input: the metric's current value, or no data in the window. */
export type Observation =
  | { readonly kind: "value"; readonly value: number }
  | { readonly kind: "no_data" };

/** A notification the caller must send through the notification channels. */
export interface AlertNotification {
  readonly kind: "firing" | "resolved";
  readonly value: number | null;
  /** When the firing episode began (breach start). */
  readonly breachSince: number | null;
}

/** A state change, for audit and history (every change, notified or not). */
export interface AlertTransition {
  readonly from: AlertState;
  readonly to: AlertState;
  readonly at: number;
  readonly value: number | null;
}

/** Result of one evaluation. */
export interface Evaluation {
  readonly status: AlertStatus;
  readonly transition: AlertTransition | null;
  readonly notifications: readonly AlertNotification[];
}

/** Whether `value` breaches the rule's threshold. */
export function breaches(cond: Pick<RuleCondition, "comparator" | "threshold">, value: number) {
  switch (cond.comparator) {
    case ">":
      return value > cond.threshold;
    case ">=":
      return value >= cond.threshold;
    case "<":
      return value < cond.threshold;
    case "<=":
      return value <= cond.threshold;
  }
}

/**
 * Evaluates one rule at `now`. `silenced` says whether an active silence covers the rule at
 * `now`: silences only hold back notifications, never the state itself.
 *
 * No data: a pending alert falls back to inactive (the breach can no longer be confirmed), a
 * firing alert stays firing (traffic that stops entirely must not look like a recovery), other
 * states are unchanged.
 */
export function evaluate(
  prev: AlertStatus,
  cond: RuleCondition,
  obs: Observation,
  now: number,
  silenced: boolean,
): Evaluation {
  const value = obs.kind === "value" ? obs.value : null;
  const breach = value !== null && Number.isFinite(value) && breaches(cond, value);
  const base = { ...prev, lastValue: value, lastEvaluatedAt: now };
  let next: AlertStatus = base;
  switch (prev.state) {
    case "inactive":
    case "resolved":
      if (breach) {
        next =
          cond.forMs <= 0
            ? { ...base, state: "firing", since: now, breachSince: now, firingNotified: false }
            : { ...base, state: "pending", since: now, breachSince: now, firingNotified: false };
      } else if (prev.state === "resolved" && now - prev.since >= RESOLVED_RETAIN_MS) {
        next = { ...base, state: "inactive", since: now, firingNotified: false };
      }
      break;
    case "pending": {
      const start = prev.breachSince ?? prev.since;
      if (!breach) {
        next = { ...base, state: "inactive", since: now, breachSince: null };
      } else if (now - start >= cond.forMs) {
        next = { ...base, state: "firing", since: now, breachSince: start, firingNotified: false };
      }
      break;
    }
    case "firing":
      if (!breach && obs.kind === "value") {
        next = { ...base, state: "resolved", since: now, breachSince: prev.breachSince };
      }
      break;
  }
  const notifications: AlertNotification[] = [];
  if (next.state === "firing" && !next.firingNotified && !silenced) {
    notifications.push({ kind: "firing", value, breachSince: next.breachSince });
    next = { ...next, firingNotified: true };
  }
  if (prev.state === "firing" && next.state === "resolved" && prev.firingNotified) {
    // Sent even under a silence: the receiver holds an open incident from the firing message.
    notifications.push({ kind: "resolved", value, breachSince: next.breachSince });
  }
  const transition =
    next.state === prev.state ? null : { from: prev.state, to: next.state, at: now, value };
  return { status: next, transition, notifications };
}

/**
 * The rule is deleted or disabled at `now`: whatever its state, it stops. A firing episode whose
 * `firing` notification went out gets its `resolved` notification now, so no incident is left
 * open at a receiver.
 */
export function retire(prev: AlertStatus, now: number): Evaluation {
  const notifications: AlertNotification[] =
    prev.state === "firing" && prev.firingNotified
      ? [{ kind: "resolved", value: prev.lastValue, breachSince: prev.breachSince }]
      : [];
  const status: AlertStatus = {
    ...prev,
    state: "inactive",
    since: now,
    breachSince: null,
    firingNotified: false,
  };
  const transition =
    prev.state === "inactive"
      ? null
      : { from: prev.state, to: "inactive" as const, at: now, value: prev.lastValue };
  return { status, transition, notifications };
}
