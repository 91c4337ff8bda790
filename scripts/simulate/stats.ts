/**
 * Request accounting for the simulator: every HTTP attempt by route and status, final failures
 * ("errors": a request that did not succeed after its retries), retries, and latency
 * percentiles; plus the percentile helper used for convergence times.
 */
import type { RequestEvent } from "../agent/http";

/** Per-route counters. */
export interface RouteStats {
  attempts: number;
  /** Requests that ultimately failed (after retries). */
  errors: number;
  retries: number;
  /** Attempts by status ("network" when no response arrived). */
  statuses: Record<string, number>;
  durationsMs: number[];
}

/** Durations kept per route for percentiles; older samples are replaced at random (reservoir). */
const DURATION_SAMPLES_MAX = 20_000;

/** The q-quantile (0–1) of `values` by nearest rank; null when empty. */
export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/** Collects {@link RequestEvent}s from the HTTP client. */
export class RequestStats {
  readonly routes = new Map<string, RouteStats>();

  /** The observer to pass as `onEvent`. */
  readonly record = (event: RequestEvent): void => {
    let route = this.routes.get(event.route);
    if (route === undefined) {
      route = { attempts: 0, errors: 0, retries: 0, statuses: {}, durationsMs: [] };
      this.routes.set(event.route, route);
    }
    route.attempts += 1;
    const key = event.status === null ? "network" : String(event.status);
    route.statuses[key] = (route.statuses[key] ?? 0) + 1;
    const failed = event.status === null || (event.status >= 400 && event.status !== 304);
    if (event.willRetry) {
      route.retries += 1;
    } else if (failed) {
      route.errors += 1;
    }
    if (route.durationsMs.length < DURATION_SAMPLES_MAX) {
      route.durationsMs.push(event.durationMs);
    } else {
      route.durationsMs[Math.floor(Math.random() * DURATION_SAMPLES_MAX)] = event.durationMs;
    }
  };

  /** Attempts over all routes. */
  get totalAttempts(): number {
    return [...this.routes.values()].reduce((n, r) => n + r.attempts, 0);
  }

  /** Final failures over all routes. */
  get totalErrors(): number {
    return [...this.routes.values()].reduce((n, r) => n + r.errors, 0);
  }

  /** Retries over all routes. */
  get totalRetries(): number {
    return [...this.routes.values()].reduce((n, r) => n + r.retries, 0);
  }
}
