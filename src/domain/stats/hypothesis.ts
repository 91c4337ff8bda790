import { normalSf } from "./normal";

/** Result of {@link twoProportionZTest}. */
export interface TwoProportionResult {
  /** Observed proportions x/n of each group. */
  readonly p1: number;
  readonly p2: number;
  /** Pooled proportion (x1 + x2) / (n1 + n2) used for the standard error under H0. */
  readonly pooled: number;
  /** z statistic (p1 − p2) / SE; 0 when the pooled proportion is 0 or 1 (no variance). */
  readonly z: number;
  /** One-sided p-value P(Z ≥ z) for H1: p1 > p2. */
  readonly pValue: number;
}

/**
 * Two-proportion z-test with a pooled standard error, one-sided (H1: group 1's proportion is
 * greater than group 2's). With no variance at all (no events, or only events, in both groups)
 * there is no evidence for H1 and the p-value is 1.
 *
 * @param x1 events (e.g. errors) in group 1, 0 ≤ x1 ≤ n1
 * @param n1 trials (e.g. requests) in group 1, > 0
 * @param x2 events in group 2
 * @param n2 trials in group 2, > 0
 */
export function twoProportionZTest(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
): TwoProportionResult {
  if (!(n1 > 0 && n2 > 0) || x1 < 0 || x2 < 0 || x1 > n1 || x2 > n2) {
    throw new RangeError(`invalid proportions ${x1}/${n1} vs ${x2}/${n2}`);
  }
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance <= 0) {
    return { p1, p2, pooled, z: 0, pValue: 1 };
  }
  const z = (p1 - p2) / Math.sqrt(variance);
  return { p1, p2, pooled, z, pValue: normalSf(z) };
}

/** Result of {@link mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U statistic of sample `a`: pairs (a_i, b_j) with a_i > b_j, ties counting ½. */
  readonly u: number;
  /** Sizes of `a` and `b`. */
  readonly n1: number;
  readonly n2: number;
  /** Mean of U under H0, n1·n2/2. */
  readonly mean: number;
  /** Standard deviation of U under H0 with the tie correction applied. */
  readonly sd: number;
  /** Continuity-corrected z statistic; 0 when every value is tied (sd = 0). */
  readonly z: number;
  /** One-sided p-value for H1: `a` is stochastically greater than `b`. */
  readonly pValue: number;
}

/**
 * Mid-ranks (1-based; tied values share the mean of their ranks) of `values`, plus the tie term
 * Σ(t³ − t) over groups of t tied values.
 */
export function midRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((_, i) => i).sort((i, j) => (values[i] ?? 0) - (values[j] ?? 0));
  const ranks = new Array<number>(values.length).fill(0);
  let tieTerm = 0;
  let start = 0;
  while (start < order.length) {
    let end = start;
    const value = values[order[start] ?? 0];
    while (end + 1 < order.length && values[order[end + 1] ?? 0] === value) {
      end += 1;
    }
    // Positions start..end (0-based) hold equal values: each gets the mean of ranks start+1..end+1.
    const rank = (start + end + 2) / 2;
    for (let k = start; k <= end; k += 1) {
      ranks[order[k] ?? 0] = rank;
    }
    const t = end - start + 1;
    tieTerm += t * t * t - t;
    start = end + 1;
  }
  return { ranks, tieTerm };
}

/**
 * Mann–Whitney U test, one-sided (H1: values in `a` tend to be larger than values in `b`), with
 * the normal approximation, the tie correction of the variance and a continuity correction of ½.
 * The approximation is good once both samples have about 8 or more values; callers enforce a
 * minimum sample size.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) {
    throw new RangeError("Mann–Whitney U needs two non-empty samples");
  }
  if (![...a, ...b].every(Number.isFinite)) {
    throw new RangeError("Mann–Whitney U needs finite values");
  }
  const { ranks, tieTerm } = midRanks([...a, ...b]);
  let rankSumA = 0;
  for (let i = 0; i < n1; i += 1) {
    rankSumA += ranks[i] ?? 0;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) {
    // Every value is tied: U equals its mean under every relabelling, so P(U ≥ u) = 1.
    return { u, n1, n2, mean, sd: 0, z: 0, pValue: 1 };
  }
  const sd = Math.sqrt(variance);
  const z = (u - mean - 0.5) / sd;
  return { u, n1, n2, mean, sd, z, pValue: normalSf(z) };
}
