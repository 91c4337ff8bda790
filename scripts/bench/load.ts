/**
 * Machine load recorded next to every benchmark figure: the 1, 5 and 15 minute load averages
 * (`uptime`) when a measurement starts and when it ends, so a figure taken on a busy machine
 * says so in the output itself.
 */
import { loadavg } from "node:os";

/** Load averages before and after one measurement. */
export interface LoadAverages {
  /** [1 min, 5 min, 15 min] at the start. */
  load_avg_before: number[];
  /** [1 min, 5 min, 15 min] at the end. */
  load_avg_after: number[];
}

/** The current 1, 5 and 15 minute load averages, two decimals. */
export function loadAverages(): number[] {
  return loadavg().map((v) => Math.round(v * 100) / 100);
}

/** Runs `measure` and returns its result with the load averages around it. */
export async function withLoad<T extends object>(
  measure: () => T | Promise<T>,
): Promise<T & LoadAverages> {
  const before = loadAverages();
  const result = await measure();
  return { ...result, load_avg_before: before, load_avg_after: loadAverages() };
}

/** "load 1.23 / 0.98 → 2.10 / 1.05" (1 and 5 minute averages before → after). */
export function formatLoad(l: LoadAverages): string {
  const f = (xs: number[]) =>
    xs
      .slice(0, 2)
      .map((v) => v.toFixed(2))
      .join(" / ");
  return `load ${f(l.load_avg_before)} → ${f(l.load_avg_after)}`;
}
