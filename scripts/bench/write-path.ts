/**
 * Node write path benchmark: D1 writes per minute for 1,000 nodes heartbeating every 30 s,
 * before (one D1 batch per heartbeat, `HEARTBEAT_WRITE_PATH=direct`) and after (node shards,
 * coalesced flushes), measured inside workerd by test/workers/write-path-bench.test.ts through
 * the real heartbeat route and the real shards. Statements are counted by a wrapper around the
 * Worker's D1 binding plus the shards' own flush statistics; nothing is estimated. That test
 * also runs in the normal suite (it asserts the ≥ 10× goal); here it is run alone and its
 * `WRITE_PATH_BENCH {json}` line is written to bench/write-path.json, which
 * scripts/bench/run.ts folds into bench/results.json.
 *
 * Usage: `npx tsx scripts/bench/write-path.ts`.
 */
import { runWorkersBench, writeBenchJson } from "./workers-test";

const TEST_FILE = "test/workers/write-path-bench.test.ts";
const MARKER = "WRITE_PATH_BENCH ";
/** Upper bound of one run (the test sends 8,000 heartbeats). */
const TIMEOUT_MS = 900_000;

/** One measured minute of one write path. */
export interface MinuteFigures {
  mode: "direct" | "shard";
  heartbeats: number;
  d1_write_statements: number;
  d1_read_statements: number;
  d1_batches: number;
  d1_rows_written: number;
  flush: { batches: number; write_statements: number; rows: number; history_rows: number };
}

/** bench/write-path.json. */
export interface WritePathResult {
  nodes: number;
  interval_s: number;
  before: MinuteFigures;
  after: MinuteFigures;
  ratio: { write_statements: number; batches: number; rows_written: number };
}

/** Runs the workers benchmark test and writes bench/write-path.json. */
export function benchWritePath(): WritePathResult {
  const result = runWorkersBench<WritePathResult>(TEST_FILE, MARKER, TIMEOUT_MS);
  writeBenchJson("write-path.json", result);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = benchWritePath();
  console.log(JSON.stringify(result, null, 2));
  console.log("wrote bench/write-path.json");
}
