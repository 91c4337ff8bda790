/**
 * Pure alarm decisions of RolloutDO. A Durable Object has one alarm; the shell multiplexes onto
 * it the reducer's `wakeAt`, a freeze window holding back a scheduled start, and the retry of
 * work left in the outbox. No I/O here, so the rules are unit-tested on Node.
 */

/**
 * Smallest spacing between two ticks. Node reports ask for an immediate tick; a burst of
 * reports from a 500-node step then costs at most two step reads per second, not one per report.
 */
export const MIN_TICK_GAP_MS = 500;

/** Retry delay for outbox work (D1 or audit writes) that failed. */
export const OUTBOX_RETRY_MS = 5_000;

/**
 * Failed alarm attempts the platform retries (it backs off exponentially on a throwing
 * `alarm()`). Past this the shell records the failure and re-arms itself instead, so a
 * persistent fault neither retries forever nor silently drops the rollout.
 */
export const MAX_ALARM_RETRIES = 3;

/** Next attempt after the retries of a failing alarm were exhausted. */
export const FAILED_ALARM_REARM_MS = 60_000;

/**
 * `rollouts.next_tick_at` is rewritten only when the tick it announces moved this far, so a
 * running rollout writes it about every 20 s instead of every tick. The watchdog's grace period
 * (30 s) is longer, so a healthy rollout never looks overdue.
 */
export const NEXT_TICK_REFRESH_MS = 20_000;

/** Inputs of {@link alarmAt}. */
export interface AlarmInputs {
  /** The reducer's `wakeAt` for the stored state (`null`: nothing time-driven). */
  readonly wakeAt: number | null;
  /** A due scheduled start held back by a freeze window until this time, else `null`. */
  readonly deferredUntil: number | null;
  /** When the last tick ran, or `null`. */
  readonly lastTickAt: number | null;
  /** Whether outbox work is waiting (it is retried from the alarm). */
  readonly outboxPending: boolean;
  readonly now: number;
}

/** When the next tick is due (without outbox retries), or `null` when none is. */
export function tickAt(input: Omit<AlarmInputs, "outboxPending">): number | null {
  if (input.wakeAt === null) {
    return null;
  }
  let at =
    input.deferredUntil === null ? input.wakeAt : Math.max(input.wakeAt, input.deferredUntil);
  if (input.lastTickAt !== null) {
    at = Math.max(at, input.lastTickAt + MIN_TICK_GAP_MS);
  }
  return Math.max(at, input.now);
}

/** The one alarm to arm: the next tick or the outbox retry, whichever is sooner. */
export function alarmAt(input: AlarmInputs): number | null {
  const tick = tickAt(input);
  if (!input.outboxPending) {
    return tick;
  }
  const retry = input.now + OUTBOX_RETRY_MS;
  return tick === null ? retry : Math.min(tick, retry);
}

/** The retry fields of the platform's `AlarmInvocationInfo`. */
export interface AlarmAttempt {
  readonly isRetry: boolean;
  readonly retryCount: number;
}

/**
 * Whether a failing alarm should stop throwing (and record the failure) instead of letting the
 * platform retry. `info` is absent when the alarm is run by hand (tests): then it throws.
 */
export function retriesExhausted(info: AlarmAttempt | undefined): boolean {
  return info?.isRetry === true && info.retryCount > MAX_ALARM_RETRIES;
}

/**
 * Whether `rollouts.next_tick_at` must be rewritten: its presence changed, or the tick moved
 * {@link NEXT_TICK_REFRESH_MS} or more from what D1 says.
 */
export function nextTickNeedsWrite(written: number | null, next: number | null): boolean {
  if (written === null || next === null) {
    return written !== next;
  }
  return Math.abs(next - written) >= NEXT_TICK_REFRESH_MS;
}
