/**
 * Per-service telemetry deltas between two Prometheus scrapes, in the control plane's wire
 * shape (`POST /nodes/{id}/telemetry`): request count, 5xx and 4xx separately, the latency
 * histogram mapped onto the fixed buckets (`toFixedBuckets`, so reports merge by summing
 * buckets), and WAF counters per rule. A counter that went down means the proxy restarted:
 * that series' current value is then the whole interval (Prometheus' `increase` semantics).
 */
import { toFixedBuckets } from "../../src/domain/telemetry/buckets";
import { latencyUnitMs, type PromMetricNames, type PromSample } from "./prom";
import type { TelemetryRequest } from "./wire";

/** Series and labels the per-service telemetry reads; configurable like {@link PromMetricNames}. */
export interface TelemetryMetricNames extends PromMetricNames {
  /** Label naming the route/service on the request counter and latency histogram. */
  readonly serviceLabel: string;
  /** WAF decision counter (blocked/challenged per rule); absent on proxies that lack it. */
  readonly wafCounter: string;
  readonly wafRuleLabel: string;
  /** Label whose value is `block`/`blocked` or `challenge`/`challenged`. */
  readonly wafActionLabel: string;
}

/** Defaults of the telemetry-only names. */
export const DEFAULT_TELEMETRY_NAMES = {
  serviceLabel: "route",
  wafCounter: "zentinel_waf_decisions_total",
  wafRuleLabel: "rule_id",
  wafActionLabel: "action",
} as const;

/** Series without the service label count under this name. */
export const UNLABELLED_SERVICE = "_default";

interface ServiceCounters {
  requests: number;
  errors5xx: number;
  errors4xx: number;
  latencySum: number;
  buckets: Map<number, number>;
}

/** Cumulative per-service and per-rule counters of one scrape. */
export interface ServiceSnapshot {
  readonly services: ReadonlyMap<string, ServiceCounters>;
  /** Key: `rule \u0000 service`. */
  readonly waf: ReadonlyMap<string, { blocked: number; challenged: number }>;
}

/** One service's delta, as the wire wants it. */
export type ServiceDelta = TelemetryRequest["services"][number];

/** One rule's delta. */
export type WafDelta = TelemetryRequest["waf"][number];

function counters(map: Map<string, ServiceCounters>, service: string): ServiceCounters {
  let c = map.get(service);
  if (c === undefined) {
    c = { requests: 0, errors5xx: 0, errors4xx: 0, latencySum: 0, buckets: new Map() };
    map.set(service, c);
  }
  return c;
}

/** Reduces one scrape to cumulative counters per service and per WAF rule. */
export function serviceSnapshot(
  samples: readonly PromSample[],
  names: TelemetryMetricNames,
): ServiceSnapshot {
  const services = new Map<string, ServiceCounters>();
  const waf = new Map<string, { blocked: number; challenged: number }>();
  const hist = names.latencyHistogram;
  for (const s of samples) {
    const service = s.labels[names.serviceLabel] ?? UNLABELLED_SERVICE;
    if (s.name === names.requestsTotal) {
      const c = counters(services, service);
      const status = s.labels[names.statusLabel] ?? "";
      c.requests += s.value;
      if (status.startsWith("5")) {
        c.errors5xx += s.value;
      } else if (status.startsWith("4")) {
        c.errors4xx += s.value;
      }
    } else if (s.name === `${hist}_bucket` && s.labels.le !== undefined) {
      const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      const c = counters(services, service);
      c.buckets.set(le, (c.buckets.get(le) ?? 0) + s.value);
    } else if (s.name === `${hist}_sum`) {
      counters(services, service).latencySum += s.value;
    } else if (s.name === names.wafCounter) {
      const rule = s.labels[names.wafRuleLabel];
      if (rule === undefined || rule === "") {
        continue;
      }
      const action = s.labels[names.wafActionLabel] ?? "";
      const key = `${rule}\u0000${s.labels[names.serviceLabel] ?? "_all"}`;
      const w = waf.get(key) ?? { blocked: 0, challenged: 0 };
      if (action.startsWith("block")) {
        w.blocked += s.value;
      } else if (action.startsWith("challenge")) {
        w.challenged += s.value;
      }
      waf.set(key, w);
    }
  }
  return { services, waf };
}

/** `curr - prev` of one monotonic counter; a decrease is a reset (the whole current value). */
function increase(prev: number | undefined, curr: number): number {
  return prev === undefined || curr < prev ? curr : curr - prev;
}

function serviceDelta(
  service: string,
  prev: ServiceCounters | undefined,
  curr: ServiceCounters,
  unitMs: number,
): ServiceDelta | null {
  // One reset decision per service: after a restart every series of it starts from zero.
  const reset = prev === undefined || curr.requests < prev.requests;
  const base = reset ? undefined : prev;
  const requests = increase(base?.requests, curr.requests);
  const errors5xx = Math.min(requests, Math.max(0, increase(base?.errors5xx, curr.errors5xx)));
  const errors4xx = Math.min(
    requests - errors5xx,
    Math.max(0, increase(base?.errors4xx, curr.errors4xx)),
  );
  const bucketDelta = new Map<number, number>();
  for (const [le, count] of curr.buckets) {
    bucketDelta.set(le, Math.max(0, increase(base?.buckets.get(le), count)));
  }
  let latency = toFixedBuckets(bucketDelta, unitMs);
  let observed = latency.reduce((a, b) => a + b, 0);
  if (observed > requests) {
    // Histogram and counter scraped out of step: drop the histogram rather than invent requests.
    latency = latency.map(() => 0);
    observed = 0;
  }
  const latencySumMs =
    observed === 0 ? 0 : Math.max(0, increase(base?.latencySum, curr.latencySum)) * unitMs;
  if (requests === 0 && observed === 0) {
    return null;
  }
  return {
    service,
    requests,
    errors_5xx: errors5xx,
    errors_4xx: errors4xx,
    latency_sum_ms: Math.round(latencySumMs * 1000) / 1000,
    latency_buckets: latency,
  };
}

/** Deltas between two snapshots; services and rules without activity are left out. */
export function telemetryDeltas(
  prev: ServiceSnapshot,
  curr: ServiceSnapshot,
  names: TelemetryMetricNames,
): { services: ServiceDelta[]; waf: WafDelta[] } {
  const unitMs = latencyUnitMs(names.latencyHistogram);
  const services: ServiceDelta[] = [];
  for (const [service, c] of curr.services) {
    const d = serviceDelta(service, prev.services.get(service), c, unitMs);
    if (d !== null) {
      services.push(d);
    }
  }
  const waf: WafDelta[] = [];
  for (const [key, w] of curr.waf) {
    const [rule = "", service = "_all"] = key.split("\u0000");
    const p = prev.waf.get(key);
    const blocked = Math.max(0, increase(p?.blocked, w.blocked));
    const challenged = Math.max(0, increase(p?.challenged, w.challenged));
    if (blocked > 0 || challenged > 0) {
      waf.push({ rule_id: rule, service, blocked, challenged });
    }
  }
  return { services, waf };
}
