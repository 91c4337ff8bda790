/**
 * Shared runner of the benchmarks measured inside workerd: runs one test file of the `workers`
 * vitest project alone, finds the single `MARKER {json}` line it prints and parses it. Used by
 * rollout-tick.ts and write-path.ts; the test files themselves assert their goals in the normal
 * suite, here only their measurement line is wanted.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Repository root (scripts/bench/../..). */
export const ROOT = join(import.meta.dirname, "..", "..");

/** Extracts the JSON after `marker` from the first output line that contains it. */
export function parseMarkerLine<T>(output: string, marker: string): T {
  const line = output.split("\n").find((l) => l.includes(marker));
  if (!line) {
    throw new Error(`no ${marker.trim()} line in the test output`);
  }
  return JSON.parse(line.slice(line.indexOf(marker) + marker.length)) as T;
}

/**
 * Runs `testFile` in the workers project (bounded by `timeoutMs`) and returns its `marker` line's
 * JSON. A failing test fails the benchmark: its figures would not be trustworthy.
 */
export function runWorkersBench<T>(testFile: string, marker: string, timeoutMs: number): T {
  const run = spawnSync("npx", ["vitest", "run", "--project", "workers", testFile], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  if (run.status !== 0) {
    throw new Error(`${testFile} failed:\n${run.stdout}\n${run.stderr}`);
  }
  return parseMarkerLine<T>(run.stdout, marker);
}

/** Writes `value` as pretty JSON to bench/<name>. */
export function writeBenchJson(name: string, value: unknown): void {
  mkdirSync(join(ROOT, "bench"), { recursive: true });
  writeFileSync(join(ROOT, "bench", name), `${JSON.stringify(value, null, 2)}\n`);
}
