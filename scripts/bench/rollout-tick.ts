/**
 * Rollout tick benchmark: the cost of one tick of a 10,000-node rolling rollout with 500-node
 * steps, measured inside workerd by test/workers/rollout-bench.test.ts (real route, real
 * RolloutDO, D1 in miniflare). That test also runs in the normal suite, where it asserts that
 * a tick's D1 statements follow the step size, not the fleet; here it is run alone and its
 * `ROLLOUT_TICK_BENCH {json}` line is written to bench/rollout-tick.json, which
 * scripts/bench/run.ts folds into bench/results.json.
 *
 * Figures: wall time (performance.now, which advances during synchronous work in workerd) of
 * the reducer call and of the whole tick (D1 read, reduce, DO storage commit, D1 writes,
 * audit append), and the D1 statements per tick, for the assigning tick, a tick with nothing
 * new, and the tick that completes the step.
 *
 * Usage: `npx tsx scripts/bench/rollout-tick.ts`.
 */
import { runWorkersBench, writeBenchJson } from "./workers-test";

const TEST_FILE = "test/workers/rollout-bench.test.ts";
const MARKER = "ROLLOUT_TICK_BENCH ";
/** Upper bound of one run (the test itself takes a few seconds). */
const TIMEOUT_MS = 300_000;

/** Figures of one tick. */
export interface TickFigures {
  reduce_ms: number;
  total_ms: number;
  d1_read_statements: number;
  d1_write_statements: number;
  /** The same tick's statements in a 1,000-node fleet (equal: cost follows the step). */
  d1_statements_1k_fleet: number;
}

/** What the workers test prints. */
export interface RolloutTickMeasurement {
  fleet_nodes: number;
  step_nodes: number;
  plan_ms: number;
  create_route_ms: number;
  ticks: { assign: TickFigures; idle: TickFigures; evaluate: TickFigures };
}

/** bench/rollout-tick.json: the headline figures (the evaluating tick) plus every detail. */
export interface RolloutTickResult extends RolloutTickMeasurement {
  nodes: number;
  tick_ms: number;
  d1_statements: number;
}

/** Runs the workers benchmark test and writes bench/rollout-tick.json. */
export function benchRolloutTick(): RolloutTickResult {
  const m = runWorkersBench<RolloutTickMeasurement>(TEST_FILE, MARKER, TIMEOUT_MS);
  // Headline = the most expensive of the three ticks (honest worst case, usually the one that
  // assigns a step's nodes), with its statement count.
  const worst = [m.ticks.assign, m.ticks.idle, m.ticks.evaluate].reduce((a, b) =>
    b.total_ms > a.total_ms ? b : a,
  );
  const result: RolloutTickResult = {
    nodes: m.fleet_nodes,
    tick_ms: worst.total_ms,
    d1_statements: worst.d1_read_statements + worst.d1_write_statements,
    ...m,
  };
  writeBenchJson("rollout-tick.json", result);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = benchRolloutTick();
  console.log(JSON.stringify(result, null, 2));
  console.log("wrote bench/rollout-tick.json");
}
