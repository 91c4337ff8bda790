import { describe, expect, it } from "vitest";
import {
  alarmAt,
  MAX_ALARM_RETRIES,
  MIN_TICK_GAP_MS,
  NEXT_TICK_REFRESH_MS,
  nextTickNeedsWrite,
  OUTBOX_RETRY_MS,
  retriesExhausted,
  tickAt,
} from "../../../durable-objects/rollout/alarm";

const NOW = 1_000_000;
const base = { wakeAt: NOW + 5_000, deferredUntil: null, lastTickAt: null, now: NOW };

describe("tickAt", () => {
  it("follows the reducer's wakeAt, never in the past", () => {
    expect(tickAt(base)).toBe(NOW + 5_000);
    expect(tickAt({ ...base, wakeAt: NOW - 10 })).toBe(NOW);
    expect(tickAt({ ...base, wakeAt: null })).toBeNull();
  });

  it("keeps ticks at least MIN_TICK_GAP_MS apart (bursts of reports coalesce)", () => {
    expect(tickAt({ ...base, wakeAt: NOW, lastTickAt: NOW - 200 })).toBe(
      NOW - 200 + MIN_TICK_GAP_MS,
    );
    expect(tickAt({ ...base, wakeAt: NOW, lastTickAt: NOW - 5_000 })).toBe(NOW);
  });

  it("waits for the end of a freeze window holding back a start", () => {
    expect(tickAt({ ...base, wakeAt: NOW, deferredUntil: NOW + 60_000 })).toBe(NOW + 60_000);
    // A deferral never makes nothing-to-do into a tick.
    expect(tickAt({ ...base, wakeAt: null, deferredUntil: NOW + 60_000 })).toBeNull();
  });
});

describe("alarmAt", () => {
  it("is the sooner of the next tick and an outbox retry", () => {
    expect(alarmAt({ ...base, outboxPending: false })).toBe(NOW + 5_000);
    expect(alarmAt({ ...base, wakeAt: NOW + 60_000, outboxPending: true })).toBe(
      NOW + OUTBOX_RETRY_MS,
    );
    expect(alarmAt({ ...base, wakeAt: null, outboxPending: true })).toBe(NOW + OUTBOX_RETRY_MS);
    expect(alarmAt({ ...base, wakeAt: null, outboxPending: false })).toBeNull();
  });
});

describe("retriesExhausted", () => {
  it("lets the platform retry up to MAX_ALARM_RETRIES, then stops", () => {
    expect(retriesExhausted(undefined)).toBe(false);
    expect(retriesExhausted({ isRetry: false, retryCount: 0 })).toBe(false);
    expect(retriesExhausted({ isRetry: true, retryCount: MAX_ALARM_RETRIES })).toBe(false);
    expect(retriesExhausted({ isRetry: true, retryCount: MAX_ALARM_RETRIES + 1 })).toBe(true);
  });
});

describe("nextTickNeedsWrite", () => {
  it("writes when presence changes or the tick moved NEXT_TICK_REFRESH_MS", () => {
    expect(nextTickNeedsWrite(null, null)).toBe(false);
    expect(nextTickNeedsWrite(null, NOW)).toBe(true);
    expect(nextTickNeedsWrite(NOW, null)).toBe(true);
    expect(nextTickNeedsWrite(NOW, NOW + NEXT_TICK_REFRESH_MS - 1)).toBe(false);
    expect(nextTickNeedsWrite(NOW, NOW + NEXT_TICK_REFRESH_MS)).toBe(true);
  });
});
