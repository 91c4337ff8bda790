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
import type { HeartbeatMetrics, TelemetryRequest } from "./protocol";
import { round2, SystemStats } from "./sysstats";
import {
  DEFAULT_TELEMETRY_NAMES,
  type ServiceSnapshot,
  serviceSnapshot,
  type TelemetryMetricNames,
  telemetryDeltas,
} from "./telemetry-deltas";

/** Options of {@link Telemetry}. */
export interface TelemetryOptions {
  /** The proxy's Prometheus endpoint; without it only host metrics are reported. */
  readonly metricsUrl?: string;
  readonly names: PromMetricNames & Partial<TelemetryMetricNames>;
  /** Receives the per-service deltas of each interval (`POST /nodes/{id}/telemetry`). */
  readonly onReport?: (report: TelemetryRequest) => void;
  readonly now?: () => number;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly fetch?: typeof fetch;
  readonly system?: SystemStats;
}

const SCRAPE_MAX_BYTES = 16 * 1024 * 1024;

/** Collects the `metrics` object of each heartbeat. */
export class Telemetry {
  private last: PromSnapshot | null = null;
  /** Per-service counters of the previous scrape and when it was taken. */
  private lastServices: { at: number; snapshot: ServiceSnapshot } | null = null;
  private readonly names: TelemetryMetricNames;
  private readonly system: SystemStats;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: TelemetryOptions) {
    this.system = options.system ?? new SystemStats();
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.names = { ...DEFAULT_TELEMETRY_NAMES, ...options.names };
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
      const samples = parsePrometheusText(text);
      this.report(serviceSnapshot(samples, this.names));
      return snapshot(samples, this.options.names);
    } catch (error) {
      this.options.log.warn("metrics scrape failed", { url, error: describe(error) });
      return null;
    }
  }

  /**
   * Emits the deltas since the previous scrape as one report. The interval starts at the
   * previous scrape, so consecutive reports tile time without gaps or overlaps.
   */
  private report(current: ServiceSnapshot): void {
    const at = (this.options.now ?? Date.now)();
    const previous = this.lastServices;
    this.lastServices = { at, snapshot: current };
    if (previous === null || this.options.onReport === undefined) {
      return;
    }
    const { services, waf } = telemetryDeltas(previous.snapshot, current, this.names);
    if (services.length === 0 && waf.length === 0) {
      return;
    }
    this.options.onReport({
      interval_start: new Date(previous.at).toISOString(),
      interval_seconds: Math.min(3600, Math.max(1, Math.round((at - previous.at) / 1000))),
      services,
      waf,
    });
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
