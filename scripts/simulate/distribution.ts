/**
 * Random distributions for simulator knobs, written the way people say them:
 * `300` (constant), `2-5` (uniform), `80±10` or `80+-10` (normal: mean ± standard deviation).
 * A seeded PRNG makes a run reproducible (`--seed`).
 */
import type { Random } from "../agent/backoff";

/** A parsed distribution. */
export type Distribution =
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "uniform"; readonly min: number; readonly max: number }
  | { readonly kind: "normal"; readonly mean: number; readonly sd: number };

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?`;
const UNIFORM = new RegExp(`^(${NUMBER})\\s*(?:-|\\.\\.)\\s*(${NUMBER})$`, "i");
const NORMAL = new RegExp(`^(${NUMBER})\\s*(?:±|\\+-|\\+/-)\\s*(${NUMBER})$`, "i");
const CONSTANT = new RegExp(`^${NUMBER}$`, "i");

/** Raised for text that is not a distribution. */
export class DistributionError extends Error {
  override name = "DistributionError";
}

/** Parses `300`, `2-5`, `80±10` (also `80+-10`). */
export function parseDistribution(text: string): Distribution {
  const t = text.trim();
  const normal = NORMAL.exec(t);
  if (normal) {
    const sd = Number(normal[2]);
    if (sd < 0) {
      throw new DistributionError(`standard deviation must be ≥ 0 in ${JSON.stringify(text)}`);
    }
    return { kind: "normal", mean: Number(normal[1]), sd };
  }
  if (CONSTANT.test(t)) {
    return { kind: "constant", value: Number(t) };
  }
  const uniform = UNIFORM.exec(t);
  if (uniform) {
    const min = Number(uniform[1]);
    const max = Number(uniform[2]);
    if (max < min) {
      throw new DistributionError(`range ${JSON.stringify(text)} has max < min`);
    }
    return { kind: "uniform", min, max };
  }
  throw new DistributionError(`${JSON.stringify(text)} is not a number, a range a-b or mean±sd`);
}

/** Draws one value. Normal uses Box–Muller. */
export function sample(dist: Distribution, random: Random): number {
  switch (dist.kind) {
    case "constant":
      return dist.value;
    case "uniform":
      return dist.min + random() * (dist.max - dist.min);
    case "normal": {
      // 1 - random() is in (0, 1], so the logarithm is finite.
      const u = 1 - random();
      const v = random();
      return dist.mean + dist.sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
  }
}

/** Draws and clamps into [min, max]. */
export function sampleClamped(
  dist: Distribution,
  random: Random,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  return Math.min(max, Math.max(min, sample(dist, random)));
}

/** Human form of a distribution (for the summary). */
export function formatDistribution(dist: Distribution): string {
  switch (dist.kind) {
    case "constant":
      return String(dist.value);
    case "uniform":
      return `${dist.min}-${dist.max}`;
    case "normal":
      return `${dist.mean}±${dist.sd}`;
  }
}

/** mulberry32: a small, fast, seedable PRNG (good enough for simulation, not for crypto). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
