/**
 * The agent's repeating loops (heartbeat, poll): do the work, sleep the interval with jitter,
 * back off with jitter after failures. A credential rejection or a fatal error stops every loop
 * sharing the same `stop` controller, and is handed to `onFatal`.
 */
import { failureDelayMs, jitterMs, type Random } from "./backoff";
import { AgentFatalError } from "./config";
import { describe, RequestError } from "./http";
import type { Logger } from "./log";
import type { Waker } from "./waker";

const INTERVAL_JITTER_FRACTION = 0.1;

/** A 401 from the control plane: the node's credentials were revoked or rotated. */
export function isCredentialsRejected(error: unknown): boolean {
  return error instanceof RequestError && error.status === 401;
}

/** What one loop needs. */
export interface LoopSpec {
  readonly name: string;
  readonly work: () => Promise<unknown>;
  /** Read each round: the control plane may change the interval. */
  readonly intervalS: () => number;
  readonly wait: Waker;
  /** Aborting ends the loop; the loop aborts `stop` itself on a fatal error. */
  readonly signal: AbortSignal;
  readonly stop: AbortController;
  readonly onFatal: (error: unknown) => void;
  readonly failureBackoffCapMs: number;
  readonly random: Random;
  readonly log: Logger;
}

/** Runs one loop until its signal aborts or its work fails fatally. */
export async function runLoop(spec: LoopSpec): Promise<void> {
  let failures = 0;
  while (!spec.signal.aborted) {
    let delayMs: number;
    try {
      await spec.work();
      failures = 0;
      delayMs = jitterMs(spec.intervalS() * 1000, INTERVAL_JITTER_FRACTION, spec.random);
    } catch (error) {
      if (spec.signal.aborted) {
        return;
      }
      if (isCredentialsRejected(error) || error instanceof AgentFatalError) {
        spec.onFatal(error);
        spec.stop.abort();
        return;
      }
      delayMs = failureDelayMs(
        spec.intervalS() * 1000,
        failures,
        spec.failureBackoffCapMs,
        spec.random,
      );
      failures += 1;
      spec.log.warn(`${spec.name} failed; backing off`, {
        error: describe(error),
        consecutive_failures: failures,
        next_attempt_ms: delayMs,
      });
    }
    await spec.wait.sleep(delayMs, spec.signal).catch(() => undefined);
  }
}
