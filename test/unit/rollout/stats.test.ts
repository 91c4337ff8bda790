import { describe, expect, it } from "vitest";
import {
  mannWhitneyU,
  midRanks,
  normalCdf,
  normalPdf,
  normalSf,
  twoProportionZTest,
} from "../../../src/domain/stats";

/** Φ(x) − ½ by composite Simpson integration of the density: independent of the implementation. */
function simpsonCentralMass(x: number, intervals = 4000): number {
  const h = x / intervals;
  let sum = normalPdf(0) + normalPdf(x);
  for (let i = 1; i < intervals; i += 1) {
    sum += (i % 2 === 1 ? 4 : 2) * normalPdf(i * h);
  }
  return (sum * h) / 3;
}

/** U by counting pairs (a_i > b_j counts 1, ties ½): the definition, no ranks involved. */
function pairCountU(a: readonly number[], b: readonly number[]): number {
  let u = 0;
  for (const x of a) {
    for (const y of b) {
      u += x > y ? 1 : x === y ? 0.5 : 0;
    }
  }
  return u;
}

/** Every way to choose `k` indexes of `n`. */
function* combinations(
  n: number,
  k: number,
  start = 0,
  prefix: number[] = [],
): Generator<number[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = start; i <= n - (k - prefix.length); i += 1) {
    yield* combinations(n, k, i + 1, [...prefix, i]);
  }
}

/** Exact permutation distribution of U given the pooled values (ties included). */
function exactPermutation(a: readonly number[], b: readonly number[]) {
  const pooled = [...a, ...b];
  const observed = pairCountU(a, b);
  const us: number[] = [];
  for (const chosen of combinations(pooled.length, a.length)) {
    const set = new Set(chosen);
    const ga = chosen.map((i) => pooled[i] ?? 0);
    const gb = pooled.filter((_, i) => !set.has(i));
    us.push(pairCountU(ga, gb));
  }
  const mean = us.reduce((s, u) => s + u, 0) / us.length;
  const variance = us.reduce((s, u) => s + (u - mean) ** 2, 0) / us.length;
  const pGreater = us.filter((u) => u >= observed - 1e-9).length / us.length;
  return { mean, variance, pGreater, observed };
}

describe("normal distribution", () => {
  it("matches standard table values", () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalCdf(1.6448536269514722)).toBeCloseTo(0.95, 14);
  });

  it("keeps relative precision far in the upper tail", () => {
    // Q(5) and Q(8) from erfc(x/√2)/2.
    expect(Math.abs(normalSf(5) / 2.866515718791946e-7 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(normalSf(8) / 6.220960574271819e-16 - 1)).toBeLessThan(1e-12);
    expect(normalSf(40)).toBe(0);
    expect(normalCdf(-40)).toBe(0);
  });

  it.each([0.1, 0.5, 1, 1.5, 1.99, 2.01, 2.5, 3.3, 4.2])(
    "agrees with Simpson integration of the density at %s",
    (x) => {
      expect(Math.abs(normalCdf(x) - 0.5 - simpsonCentralMass(x))).toBeLessThan(1e-13);
      expect(Math.abs(normalSf(x) + normalSf(-x) - 1)).toBeLessThan(1e-15);
    },
  );

  it("is continuous where the series hands over to the continued fraction", () => {
    const below = normalSf(2 - 1e-9);
    const above = normalSf(2 + 1e-9);
    expect(below).toBeGreaterThan(above);
    expect(below - above).toBeLessThan(1e-9);
  });

  it("propagates NaN", () => {
    expect(normalCdf(Number.NaN)).toBeNaN();
    expect(normalSf(Number.NaN)).toBeNaN();
  });
});

describe("two-proportion z-test", () => {
  it("matches prop.test(c(25,15), c(50,50), correct=FALSE, alternative='greater')", () => {
    const result = twoProportionZTest(25, 50, 15, 50);
    expect(result.z).toBeCloseTo(2.0412414523193148, 12);
    expect(result.pValue).toBeCloseTo(0.02061341666858185, 12);
  });

  it("has z² equal to Pearson's chi-square of the 2×2 table", () => {
    const [a, n1, c, n2] = [37, 410, 21, 395];
    const b = n1 - a;
    const d = n2 - c;
    const n = n1 + n2;
    const chi2 = (n * (a * d - b * c) ** 2) / (n1 * n2 * (a + c) * (b + d));
    expect(twoProportionZTest(a, n1, c, n2).z ** 2).toBeCloseTo(chi2, 10);
  });

  it("is one-sided: a lower canary proportion is no evidence", () => {
    expect(twoProportionZTest(15, 50, 25, 50).pValue).toBeCloseTo(1 - 0.02061341666858185, 12);
  });

  it("returns p = 1 without variance and refuses impossible counts", () => {
    expect(twoProportionZTest(0, 100, 0, 100)).toMatchObject({ z: 0, pValue: 1 });
    expect(twoProportionZTest(100, 100, 50, 50)).toMatchObject({ z: 0, pValue: 1 });
    expect(() => twoProportionZTest(5, 0, 1, 10)).toThrow(RangeError);
    expect(() => twoProportionZTest(11, 10, 1, 10)).toThrow(RangeError);
  });
});

describe("Mann–Whitney U", () => {
  const a = [12.1, 14.3, 15.0, 15.0, 16.2, 18.4, 19.9, 21.0, 22.5, 25.1];
  const b = [10.2, 11.0, 12.1, 13.3, 14.3, 15.0, 15.5, 16.0, 17.1, 18.0];

  it("assigns mid-ranks to ties", () => {
    expect(midRanks([3, 1, 3, 2, 3])).toEqual({ ranks: [4, 1, 4, 2, 4], tieTerm: 24 });
  });

  it("computes U as the pair count", () => {
    expect(mannWhitneyU(a, b).u).toBe(pairCountU(a, b));
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).u).toBe(0);
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3]).u).toBe(9);
  });

  it("matches SciPy's asymptotic one-sided p-value (continuity and tie corrections)", () => {
    // scipy.stats.mannwhitneyu(a, b, alternative="greater", method="asymptotic")
    expect(mannWhitneyU(a, b).pValue).toBeCloseTo(0.026680889011485794, 12);
  });

  // The last column is how far the normal approximation may be from the exact tail: with only
  // three distinct values the distribution of U is too lumpy for any normal approximation.
  it.each([
    ["with ties", [3, 5, 5, 7, 9, 9, 11], [1, 3, 4, 5, 6, 9, 8], 0.02],
    ["without ties", [2.1, 3.4, 5.6, 7.7, 8.1, 9.9], [1.2, 2.2, 3.3, 4.4, 5.5, 6.6, 7.1], 0.02],
    ["heavily tied", [1, 1, 2, 2, 2, 3, 3, 3], [1, 1, 1, 2, 2, 2, 3, 3], 0.1],
  ])("tie-corrected variance equals the exact permutation variance (%s)", (_, x, y, tolerance) => {
    const exact = exactPermutation(x, y);
    const result = mannWhitneyU(x, y);
    expect(result.mean).toBeCloseTo(exact.mean, 9);
    expect(result.sd ** 2).toBeCloseTo(exact.variance, 9);
    expect(result.u).toBe(exact.observed);
    // The normal approximation with continuity correction tracks the exact tail closely.
    expect(Math.abs(result.pValue - exact.pGreater)).toBeLessThan(tolerance);
  });

  it("gives p = 1 when every value is tied, and refuses empty samples", () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5])).toMatchObject({ sd: 0, pValue: 1 });
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([1, Number.NaN], [1])).toThrow(RangeError);
  });
});
