/**
 * Heartbeat metrics of a real node: request/error counts, error rate and p99 latency from the
 * proxy's Prometheus endpoint (over the interval since the previous scrape), CPU and memory from
 * /proc.
 */
import { describe } from "./http";
import type { Logger } from "./log";
import {
  intervalMetrics,
  latencyUnitMs,
  type PromMetricNames,
  type PromSnapshot,
  parsePrometheusText,
  snapshot,
} from "./prom";
import type { HeartbeatMetrics } from "./protocol";
import { round2, SystemStats } from "./sysstats";

/** Options of {@link Telemetry}. */
export interface TelemetryOptions {
  /** The proxy's Prometheus endpoint; without it only host metrics are reported. */
  readonly metricsUrl?: string;
  readonly names: PromMetricNames;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly fetch?: typeof fetch;
  readonly system?: SystemStats;
}

const SCRAPE_MAX_BYTES = 16 * 1024 * 1024;

/** Collects the `metrics` object of each heartbeat. */
export class Telemetry {
  private last: PromSnapshot | null = null;
  private readonly system: SystemStats;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: TelemetryOptions) {
    this.system = options.system ?? new SystemStats();
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  private async scrape(): Promise<PromSnapshot | null> {
    const url = this.options.metricsUrl;
    if (url === undefined) {
      return null;
    }
    try {
      const res = await this.fetchImpl(url, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await res.text();
      if (!res.ok || text.length > SCRAPE_MAX_BYTES) {
        this.options.log.warn("metrics scrape failed", { url, status: res.status });
        return null;
      }
      return snapshot(parsePrometheusText(text), this.options.names);
    } catch (error) {
      this.options.log.warn("metrics scrape failed", { url, error: describe(error) });
      return null;
    }
  }

  /**
   * Starts a new interval now. Called when the live config changes, so the next heartbeat's
   * numbers describe only the new bundle (the canary analysis compares bundles, not mixtures).
   */
  async rebase(): Promise<void> {
    this.last = await this.scrape();
  }

  /** Metrics for a heartbeat; interval metrics appear from the second scrape on. */
  async collect(): Promise<HeartbeatMetrics> {
    const out: HeartbeatMetrics = { ...(await this.system.sample()) };
    const current = await this.scrape();
    if (current !== null) {
      const previous = this.last;
      this.last = current;
      const interval =
        previous === null
          ? null
          : intervalMetrics(previous, current, latencyUnitMs(this.options.names.latencyHistogram));
      if (interval !== null) {
        out.request_count = interval.request_count;
        out.error_count = interval.error_count;
        out.error_rate = round2(interval.error_rate);
        if (interval.latency_p99_ms !== undefined) {
          out.latency_p99_ms = round2(interval.latency_p99_ms);
        }
      }
    }
    return out;
  }
}
