/**
 * Queue of telemetry reports waiting to reach the control plane. A report keeps its
 * `interval_start` for every attempt, and the server deduplicates by `(node, interval_start)`,
 * so a retry after a lost response never double counts. Failed sends back off with jitter;
 * a report the server rejects as invalid (4xx other than 408/429) is dropped, not retried.
 * The queue is bounded: during a long outage the oldest intervals are dropped first.
 */
import { type BackoffPolicy, backoffDelayMs, type Random } from "./backoff";
import { describe, RequestError } from "./http";
import type { Logger } from "./log";
import type { TelemetryRequest } from "./wire";

/** One hour of 30-second intervals. */
export const TELEMETRY_QUEUE_MAX = 120;
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5_000, capMs: 5 * 60_000 };

/** Options of {@link TelemetryOutbox}. */
export interface TelemetryOutboxOptions {
  readonly send: (body: TelemetryRequest, signal?: AbortSignal) => Promise<unknown>;
  readonly log: Logger;
  readonly now: () => number;
  readonly random: Random;
  readonly backoff?: BackoffPolicy;
  readonly maxQueued?: number;
}

function retryable(error: unknown): boolean {
  if (!(error instanceof RequestError) || error.status === null) {
    return true;
  }
  return error.status >= 500 || error.status === 408 || error.status === 429;
}

/** Pending reports of one node, sent oldest first. */
export class TelemetryOutbox {
  private readonly queue: TelemetryRequest[] = [];
  private failures = 0;
  private nextAttemptMs = 0;

  constructor(private readonly options: TelemetryOutboxOptions) {}

  /** Reports waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues a report. */
  enqueue(report: TelemetryRequest): void {
    this.queue.push(report);
    const max = this.options.maxQueued ?? TELEMETRY_QUEUE_MAX;
    if (this.queue.length > max) {
      const dropped = this.queue.splice(0, this.queue.length - max);
      this.options.log.warn("telemetry queue full; dropped the oldest intervals", {
        dropped: dropped.length,
      });
    }
  }

  /** Sends queued reports in order until one fails (kept) or the backoff is not over. */
  async flush(signal?: AbortSignal): Promise<void> {
    if (this.options.now() < this.nextAttemptMs) {
      return;
    }
    for (;;) {
      const report = this.queue[0];
      if (report === undefined) {
        return;
      }
      try {
        await this.options.send(report, signal);
        this.queue.shift();
        this.failures = 0;
      } catch (error) {
        if (!retryable(error)) {
          this.queue.shift();
          this.options.log.warn("telemetry report rejected; dropped", {
            interval_start: report.interval_start,
            error: describe(error),
          });
          continue;
        }
        const delayMs = backoffDelayMs(
          this.options.backoff ?? DEFAULT_BACKOFF,
          this.failures,
          this.options.random,
        );
        this.failures += 1;
        this.nextAttemptMs = this.options.now() + delayMs;
        this.options.log.warn("sending telemetry failed; backing off", {
          error: describe(error),
          queued: this.queue.length,
          next_attempt_ms: delayMs,
        });
        return;
      }
    }
  }
}
