/**
 * bench/RESULTS.md from bench/results.json's data: one table row per benchmark with the measured
 * figure, the goal, whether the goal was met, and the load averages around the measurement.
 * Nothing here is a figure of its own; every number is read from the results.
 */
import type { CompileBenchResult } from "./compile";
import { formatLoad, type LoadAverages } from "./load";
import type { NodeBenchResult } from "./node-protocol";
import type { PushBenchResult } from "./push";
import type { RolloutBench } from "./push-suite";
import type { RolloutTickResult } from "./rollout-tick";
import type { WritePathResult } from "./write-path";

/** Compile runs; the median is reported (the first run also warms the isolate). */
export const COMPILE_RUNS = 3;

/** bench/results.json. */
export interface BenchResults {
  generated_at: string;
  bench_duration_s: number;
  machine: { cpus: number; cpu_model: string; node: string };
  node_protocol: NodeBenchResult & LoadAverages;
  compile: {
    routes: number;
    compile_ms_median: number;
    end_to_end_ms_median: number;
    archive_bytes: number;
    runs: CompileBenchResult[];
  } & LoadAverages;
  rollout_tick: RolloutTickResult & LoadAverages;
  write_path: WritePathResult & LoadAverages;
  propagation: PushBenchResult & LoadAverages;
  zero_bake: RolloutBench & LoadAverages;
  defaults_300: RolloutBench & LoadAverages;
}

const met = (ok: boolean) => (ok ? "met" : "**not met**");
const seconds = (ms: number | null) => (ms === null ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
const ms = (v: number | null) => (v === null ? "n/a" : `${v} ms`);

function rolloutRow(label: string, r: RolloutBench & LoadAverages, goalS: number | null): string[] {
  const ok = r.state === "completed" && r.errors === 0;
  const inTime = goalS === null || (r.duration_s !== null && r.duration_s < goalS);
  return [
    label,
    `${r.state} in ${r.duration_s?.toFixed(1) ?? "?"} s; convergence p50 ${seconds(r.convergence.p50Ms)} p99 ${seconds(r.convergence.p99Ms)}; ${r.requests} requests, ${r.errors} errors`,
    goalS === null ? "completes, 0 errors" : `< ${goalS} s, 0 errors`,
    met(ok && inTime),
    formatLoad(r),
  ];
}

/** Renders bench/RESULTS.md. */
export function renderMarkdown(r: BenchResults): string {
  const np = r.node_protocol;
  const tick = r.rollout_tick;
  const wp = r.write_path;
  const p = r.propagation;
  const rows: string[][] = [
    [
      `Idle poll vs /healthz (req/s, ${np.concurrency} in flight, median of ${np.rounds} rotating rounds)`,
      `${np.poll_rps.toFixed(0)} vs ${np.healthz_rps.toFixed(0)} = ${np.poll_vs_healthz.toFixed(2)}×`,
      "≥ 0.9×",
      met(np.poll_vs_healthz >= 0.9),
      formatLoad(np),
    ],
    [
      `Heartbeat vs /healthz (req/s, same run)`,
      `${np.heartbeat_rps.toFixed(0)} vs ${np.healthz_rps.toFixed(0)} = ${np.heartbeat_vs_healthz.toFixed(2)}×`,
      "≥ 0.8×",
      met(np.heartbeat_vs_healthz >= 0.8),
      formatLoad(np),
    ],
    [
      `Push propagation, batch open → offer on the socket, ${p.nodes} nodes`,
      `${p.pushed}/${p.nodes} offers pushed; p50 ${ms(p.p50_ms)}, p99 ${ms(p.p99_ms)}, max ${ms(p.max_ms)} (${p.connected} sockets connected in ${p.connect_s} s)`,
      "p99 < 1 s",
      met(p.pushed === p.nodes && p.p99_ms !== null && p.p99_ms < 1000),
      formatLoad(p),
    ],
    [
      `${p.dropped} of ${p.nodes} sockets dropped as the next rollout opens`,
      `${p.converged_after_drop}/${p.nodes} nodes converged${p.converge_after_drop_s === null ? "" : ` in ${p.converge_after_drop_s.toFixed(1)} s`}`,
      "every node converges",
      met(p.converged_after_drop === p.nodes),
      formatLoad(p),
    ],
    rolloutRow(
      `Rolling rollout, ${r.zero_bake.nodes} nodes, 10 batches, zero bake, push`,
      r.zero_bake,
      30,
    ),
    rolloutRow(
      `Rolling rollout, ${r.defaults_300.nodes} nodes, simulator defaults, push`,
      r.defaults_300,
      null,
    ),
    [
      `D1 writes per minute, ${wp.nodes} nodes heartbeating every ${wp.interval_s} s`,
      `${wp.before.d1_write_statements} → ${wp.after.d1_write_statements} write statements (${wp.ratio.write_statements.toFixed(1)}× fewer), ${wp.before.d1_batches} → ${wp.after.d1_batches} batches (${wp.ratio.batches.toFixed(1)}×), ${wp.before.d1_rows_written} → ${wp.after.d1_rows_written} rows written (${wp.ratio.rows_written.toFixed(1)}×)`,
      "≥ 10× fewer",
      met(wp.ratio.write_statements >= 10),
      formatLoad(wp),
    ],
    [
      `Compile, ${r.compile.routes}-route config (median of ${COMPILE_RUNS})`,
      `${r.compile.compile_ms_median} ms in the Worker; ${r.compile.end_to_end_ms_median} ms API round trip incl. queue`,
      "< 1 s",
      met(r.compile.compile_ms_median < 1000),
      formatLoad(r.compile),
    ],
    [
      `Rollout tick, ${tick.nodes}-node rollout`,
      `worst tick ${tick.tick_ms} ms with ${tick.d1_statements} D1 statements (${tick.step_nodes}-node step; assign ${tick.ticks.assign.total_ms} ms, idle ${tick.ticks.idle.total_ms} ms, evaluate ${tick.ticks.evaluate.total_ms} ms)`,
      "< 50 ms",
      met(tick.tick_ms < 50),
      formatLoad(tick),
    ],
  ];
  const rounds = np.per_round
    .map((x) => `${x.order.join(" → ")}: ${x.healthz_rps} / ${x.poll_rps} / ${x.heartbeat_rps}`)
    .join("; ");
  return [
    "# Benchmark results",
    "",
    `Generated ${r.generated_at} by \`npm run bench\` (${r.bench_duration_s} s in all) on ${r.machine.cpus} × ${r.machine.cpu_model}, Node ${r.machine.node}, local workerd (wrangler dev). Load is the 1 / 5 minute load average before → after each measurement.`,
    "",
    "| Benchmark | Result | Goal | | Load |",
    "|---|---|---|---|---|",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
    "",
    `Node protocol rounds (healthz / poll / heartbeat req/s): ${rounds}.`,
    "",
    `Zero-bake rollout: \`${r.zero_bake.summary}\``,
    "",
    `Defaults rollout: \`${r.defaults_300.summary}\``,
    "",
  ].join("\n");
}
