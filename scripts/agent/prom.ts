/**
 * Prometheus text exposition format (version 0.0.4) parsing, and the heartbeat metrics derived
 * from two scrapes of the proxy: requests and errors over the interval, error rate in percent
 * and p99 latency from histogram buckets (the `histogram_quantile` interpolation).
 */

/** One sample line. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parseValue(text: string): number {
  switch (text) {
    case "+Inf":
    case "Inf":
      return Number.POSITIVE_INFINITY;
    case "-Inf":
      return Number.NEGATIVE_INFINITY;
    case "NaN":
      return Number.NaN;
    default:
      return Number(text);
  }
}

/** Parses `{a="x",b="y\"z"}` starting at `start` (the `{`); returns labels and the index after `}`. */
function parseLabels(
  line: string,
  start: number,
): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === " " || line[i] === ",") {
      i++;
    }
    if (line[i] === "}") {
      return { labels, end: i + 1 };
    }
    const eq = line.indexOf("=", i);
    if (eq < 0 || line[eq + 1] !== '"') {
      return null;
    }
    const key = line.slice(i, eq).trim();
    let value = "";
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === "\\" && j + 1 < line.length) {
        const next = line.charAt(++j);
        value += next === "n" ? "\n" : next;
      } else {
        value += line.charAt(j);
      }
    }
    if (j >= line.length) {
      return null;
    }
    labels[key] = value;
    i = j + 1;
  }
}

/** Parses exposition text; comment, blank and malformed lines are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) {
      continue;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (nameMatch === null) {
      continue;
    }
    const name = nameMatch[0];
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      const parsed = parseLabels(line, name.length);
      if (parsed === null) {
        continue;
      }
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    const valueText = rest.trim().split(/\s+/)[0];
    if (valueText === undefined || valueText === "") {
      continue;
    }
    const value = parseValue(valueText);
    if (!Number.isNaN(value) || valueText === "NaN") {
      samples.push({ name, labels, value });
    }
  }
  return samples;
}

/** Which series mean what; Zentinel's names differ by version, so they are configurable. */
export interface PromMetricNames {
  /** Counter of handled requests. */
  readonly requestsTotal: string;
  /** Label of `requestsTotal` holding the HTTP status; 5xx count as errors. */
  readonly statusLabel: string;
  /** Request latency histogram (`<name>_bucket{le=…}`); unit from the suffix (`_seconds` or `_ms`). */
  readonly latencyHistogram: string;
}

/** Defaults of {@link PromMetricNames}. */
export const DEFAULT_PROM_NAMES: PromMetricNames = {
  requestsTotal: "zentinel_requests_total",
  statusLabel: "status",
  latencyHistogram: "zentinel_request_duration_seconds",
};

/** Cumulative counters at one scrape. */
export interface PromSnapshot {
  readonly requests: number;
  readonly errors: number;
  /** Cumulative bucket counts by upper bound, summed over all label sets. */
  readonly buckets: ReadonlyMap<number, number>;
  /** True when the request counter was found at all. */
  readonly hasRequests: boolean;
}

/** Reduces one scrape to the counters the heartbeat needs. */
export function snapshot(samples: readonly PromSample[], names: PromMetricNames): PromSnapshot {
  let requests = 0;
  let errors = 0;
  let hasRequests = false;
  const buckets = new Map<number, number>();
  const bucketName = `${names.latencyHistogram}_bucket`;
  for (const s of samples) {
    if (s.name === names.requestsTotal) {
      hasRequests = true;
      requests += s.value;
      if ((s.labels[names.statusLabel] ?? "").startsWith("5")) {
        errors += s.value;
      }
    } else if (s.name === bucketName && s.labels.le !== undefined) {
      const le = parseValue(s.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  return { requests, errors, buckets, hasRequests };
}

/** Milliseconds per unit of the histogram, from its name. */
export function latencyUnitMs(histogram: string): number {
  if (histogram.endsWith("_milliseconds") || histogram.endsWith("_ms")) {
    return 1;
  }
  return 1000;
}

/**
 * Quantile `q` of a cumulative histogram (upper bound → count), interpolating linearly inside
 * the bucket like PromQL's `histogram_quantile`. Null without observations. When the rank falls
 * in the `+Inf` bucket the highest finite bound is returned.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) {
    return null;
  }
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) {
        return lowerBound;
      }
      const inBucket = count - lowerCount;
      return inBucket <= 0
        ? bound
        : lowerBound + (bound - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** Heartbeat metrics over the interval between two snapshots. */
export interface IntervalMetrics {
  request_count: number;
  error_count: number;
  /** Percent. */
  error_rate: number;
  latency_p99_ms?: number;
}

/**
 * Metrics between `prev` and `curr`. A counter that went down means the proxy restarted; the
 * current values are then the whole interval.
 */
export function intervalMetrics(
  prev: PromSnapshot,
  curr: PromSnapshot,
  unitMs: number,
): IntervalMetrics | null {
  if (!curr.hasRequests) {
    return null;
  }
  const reset = curr.requests < prev.requests;
  const requests = reset ? curr.requests : curr.requests - prev.requests;
  const errors = Math.min(requests, reset ? curr.errors : Math.max(0, curr.errors - prev.errors));
  const delta = new Map<number, number>();
  for (const [bound, count] of curr.buckets) {
    delta.set(bound, reset ? count : Math.max(0, count - (prev.buckets.get(bound) ?? 0)));
  }
  const p99 = histogramQuantile(0.99, delta);
  const out: IntervalMetrics = {
    request_count: requests,
    error_count: errors,
    error_rate: requests > 0 ? (errors / requests) * 100 : 0,
  };
  if (p99 !== null) {
    out.latency_p99_ms = p99 * unitMs;
  }
  return out;
}
