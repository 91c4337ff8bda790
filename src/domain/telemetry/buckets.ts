/**
 * The fixed latency histogram every node reports and every rollup stores. The bounds are
 * Prometheus' default histogram buckets (in ms), so a proxy using the defaults maps 1:1.
 * Counts per bucket are non-cumulative; histograms merge by adding bucket counts (never by
 * averaging percentiles), which keeps minute → hour → day rollups exact.
 */

/** Upper bounds (inclusive, ms) of the finite buckets; one overflow bucket follows. */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** Number of buckets: the finite bounds plus the overflow (`> 10 s`) bucket. */
export const LATENCY_BUCKET_COUNT = LATENCY_BOUNDS_MS.length + 1;

/** Column names of the buckets in the rollup tables, in bound order (`lat_inf` last). */
export const LATENCY_COLUMNS: readonly string[] = [
  ...LATENCY_BOUNDS_MS.map((b) => `lat_${b}`),
  "lat_inf",
];

/** An all-zero histogram. */
export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/** `a + b` bucket by bucket (missing buckets count as 0). */
export function addHistograms(a: readonly number[], b: readonly number[]): number[] {
  const out = emptyHistogram();
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i += 1) {
    out[i] = (a[i] ?? 0) + (b[i] ?? 0);
  }
  return out;
}

/** Index of the bucket whose upper bound is `thresholdMs`, or -1 when it is not a bound. */
export function boundIndex(thresholdMs: number): number {
  return (LATENCY_BOUNDS_MS as readonly number[]).indexOf(thresholdMs);
}

/** Requests slower than `thresholdMs` (a bucket bound): the sum of the buckets above it. */
export function countAbove(histogram: readonly number[], thresholdMs: number): number {
  const index = boundIndex(thresholdMs);
  if (index < 0) {
    throw new RangeError(`${thresholdMs} ms is not a latency bucket bound`);
  }
  let slow = 0;
  for (let i = index + 1; i < LATENCY_BUCKET_COUNT; i += 1) {
    slow += histogram[i] ?? 0;
  }
  return slow;
}

/**
 * Quantile `q` (0–1) of a non-cumulative histogram, interpolating linearly inside the bucket
 * like PromQL's `histogram_quantile`; the overflow bucket answers its lower bound (10 s).
 * Null without observations.
 */
export function histogramQuantileMs(histogram: readonly number[], q: number): number | null {
  let total = 0;
  for (const count of histogram) {
    total += count;
  }
  if (total <= 0) {
    return null;
  }
  const rank = q * total;
  let seen = 0;
  let lower = 0;
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i += 1) {
    const count = histogram[i] ?? 0;
    const upper = LATENCY_BOUNDS_MS[i];
    if (upper === undefined) {
      return lower;
    }
    if (seen + count >= rank && count > 0) {
      return lower + (upper - lower) * ((rank - seen) / count);
    }
    seen += count;
    lower = upper;
  }
  return lower;
}

/**
 * Maps a cumulative Prometheus histogram (upper bound → cumulative count, any bounds) onto the
 * fixed buckets. Each fixed bound takes the cumulative count of the largest source bound not
 * above it, so a request is never placed below its true latency; with the default Prometheus
 * bounds the mapping is exact.
 */
export function toFixedBuckets(cumulative: ReadonlyMap<number, number>, unitMs: number): number[] {
  const sorted = [...cumulative.entries()]
    .map(([bound, count]): [number, number] => [bound * unitMs, count])
    .sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  const cumulativeAt = (boundMs: number): number => {
    let count = 0;
    for (const [bound, c] of sorted) {
      if (bound <= boundMs + 1e-9) {
        count = c;
      } else {
        break;
      }
    }
    return count;
  };
  const out = emptyHistogram();
  let previous = 0;
  LATENCY_BOUNDS_MS.forEach((bound, i) => {
    const at = Math.min(total, cumulativeAt(bound));
    out[i] = Math.max(0, at - previous);
    previous = Math.max(previous, at);
  });
  out[LATENCY_BUCKET_COUNT - 1] = Math.max(0, total - previous);
  return out;
}
