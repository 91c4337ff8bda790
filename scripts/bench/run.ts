// `npm run bench`: starts a fresh local control plane (its own state directory, port 8796),
// runs every benchmark against it and writes bench/results.json plus bench/RESULTS.md, which
// the README summarises. Loopback only; every loop is bounded in count and time.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../agent/log";
import { prepareLocalState, startDevServer } from "../dev/server";
import { parseSimulateCli } from "../simulate/options";
import { runSimulation } from "../simulate/scenario";
import { benchCompile, type CompileBenchResult } from "./compile";
import { benchNodeProtocol, type NodeBenchResult } from "./node-protocol";
import { benchRolloutTick, type RolloutTickResult } from "./rollout-tick";
import { benchWritePath, type WritePathResult } from "./write-path";

const ROOT = join(import.meta.dirname, "..", "..");
const PORT = Number(process.env.BENCH_PORT || 8796);
/** Compile runs; the median is reported (the first run also warms the isolate). */
const COMPILE_RUNS = 3;
const NODE_PHASE_MS = 5_000;
const NODE_CONCURRENCY = 8;
/** Fleet size of the end-to-end rollout benchmark (the 1,000 simulated nodes). */
const E2E_NODES = Number(process.env.BENCH_NODES || 1000);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

console.log("[bench] rollout tick of a 10,000-node rollout (inside workerd, via the workers pool)");
const tick: RolloutTickResult = benchRolloutTick();
console.log(
  `[bench]   worst tick ${tick.tick_ms} ms, ${tick.d1_statements} D1 statements, ${tick.step_nodes}-node step`,
);

console.log(
  "[bench] node write path: D1 writes per minute, 1,000 nodes every 30 s (inside workerd)",
);
const writePath: WritePathResult = benchWritePath();
console.log(
  `[bench]   D1 write statements/min ${writePath.before.d1_write_statements} before, ${writePath.after.d1_write_statements} after (${writePath.ratio.write_statements.toFixed(1)}× fewer)`,
);

const persistTo = mkdtempSync(join(tmpdir(), "zcp-bench-"));
const log = createLogger({ level: "warn", write: (line) => process.stderr.write(`${line}\n`) });
console.log(`[bench] preparing a fresh local control plane in ${persistTo}`);
prepareLocalState({ persistTo });
const server = await startDevServer({ port: PORT, persistTo });
const { apiKey, enrollmentToken } = server.credentials;
const started = new Date().toISOString();
try {
  console.log("[bench] node protocol: /healthz vs no-update poll vs heartbeat");
  const node: NodeBenchResult = await benchNodeProtocol(server.baseUrl, {
    apiKey,
    enrollmentToken,
    project: "demo",
    durationMs: NODE_PHASE_MS,
    concurrency: NODE_CONCURRENCY,
  });
  console.log(`[bench]   ${JSON.stringify(node)}`);

  console.log(`[bench] compile of a 1,000-route config (${COMPILE_RUNS} runs)`);
  const compiles: CompileBenchResult[] = [];
  for (let i = 0; i < COMPILE_RUNS; i++) {
    compiles.push(await benchCompile(server.baseUrl, { apiKey, project: "demo" }));
  }
  console.log(`[bench]   compile_ms ${compiles.map((r) => r.compile_ms).join(", ")}`);

  console.log(`[bench] end-to-end rolling rollout over ${E2E_NODES} simulated nodes (10 batches)`);
  const cli = parseSimulateCli(
    [
      "--url",
      server.baseUrl,
      "--api-key",
      apiKey,
      "--enrollment-token",
      enrollmentToken,
      "--nodes",
      String(E2E_NODES),
    ],
    {},
  );
  if (cli.kind !== "run") {
    throw new Error("simulator options did not parse");
  }
  const sim = await runSimulation(cli.options, {
    log,
    print: (line) => console.log(`[sim] ${line}`),
  });

  const results = {
    generated_at: started,
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? "unknown",
      node: process.version,
    },
    node_protocol: {
      ...node,
      phase_ms: NODE_PHASE_MS,
      concurrency: NODE_CONCURRENCY,
      goal: "poll >= 0.9 x healthz, heartbeat >= 0.8 x healthz",
    },
    compile: {
      routes: compiles[0]?.routes ?? 0,
      compile_ms_median: median(compiles.map((r) => r.compile_ms ?? Number.NaN)),
      end_to_end_ms_median: median(compiles.map((r) => r.end_to_end_ms)),
      archive_bytes: compiles[0]?.archive_bytes ?? 0,
      runs: compiles,
      goal: "compile (validate, tar, zstd, sign, upload) < 1000 ms",
    },
    rollout_tick: tick,
    write_path: writePath,
    rollout_e2e: {
      nodes: E2E_NODES,
      state: sim.rollout?.state ?? "not started",
      duration_s: sim.rollout?.durationS ?? null,
      convergence: sim.convergence,
      requests: sim.requests,
      errors: sim.errors,
      summary: sim.lines.at(-1) ?? "",
    },
  };
  mkdirSync(join(ROOT, "bench"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, "bench", "RESULTS.md"), renderMarkdown(results));
  console.log("[bench] wrote bench/results.json and bench/RESULTS.md");
  process.exitCode = sim.exitCode;
} finally {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
}

function seconds(ms: number | null): string {
  return ms === null ? "n/a" : `${(ms / 1000).toFixed(1)} s`;
}

function renderMarkdown(r: {
  generated_at: string;
  machine: { cpus: number; cpu_model: string; node: string };
  node_protocol: NodeBenchResult;
  compile: {
    routes: number;
    compile_ms_median: number;
    end_to_end_ms_median: number;
    archive_bytes: number;
  };
  rollout_tick: RolloutTickResult;
  write_path: WritePathResult;
  rollout_e2e: {
    nodes: number;
    state: string;
    duration_s: number | null;
    requests: number;
    errors: number;
    summary: string;
    convergence: { p50Ms: number | null; p99Ms: number | null };
  };
}): string {
  const tick = r.rollout_tick;
  const wp = r.write_path;
  const rows = [
    [
      "No-update poll vs /healthz (req/s)",
      `${r.node_protocol.poll_rps.toFixed(0)} vs ${r.node_protocol.healthz_rps.toFixed(0)} = ${r.node_protocol.poll_vs_healthz.toFixed(2)}×`,
      "≥ 0.5×",
    ],
    [
      "Heartbeat vs /healthz (req/s)",
      `${r.node_protocol.heartbeat_rps.toFixed(0)} vs ${r.node_protocol.healthz_rps.toFixed(0)} = ${r.node_protocol.heartbeat_vs_healthz.toFixed(2)}×`,
      "≥ 0.8×",
    ],
    [
      `D1 writes per minute, ${wp.nodes} nodes heartbeating every ${wp.interval_s} s`,
      `${wp.before.d1_write_statements} → ${wp.after.d1_write_statements} write statements (${wp.ratio.write_statements.toFixed(1)}× fewer), ${wp.before.d1_batches} → ${wp.after.d1_batches} batches (${wp.ratio.batches.toFixed(1)}×), ${wp.before.d1_rows_written} → ${wp.after.d1_rows_written} rows written (${wp.ratio.rows_written.toFixed(1)}×); ${wp.after.heartbeats} heartbeats, ${wp.after.flush.rows} node rows and ${wp.after.flush.history_rows} history rows flushed`,
      "≥ 10× fewer",
    ],
    [
      `Compile, ${r.compile.routes}-route config (median of ${COMPILE_RUNS})`,
      `${r.compile.compile_ms_median} ms in the Worker; ${r.compile.end_to_end_ms_median} ms API round trip incl. queue`,
      "< 1 s",
    ],
    [
      "Rollout tick, 10,000-node rollout",
      `worst tick ${tick.tick_ms} ms with ${tick.d1_statements} D1 statements (${tick.step_nodes}-node step; assign ${tick.ticks.assign.total_ms} ms, idle ${tick.ticks.idle.total_ms} ms, evaluate ${tick.ticks.evaluate.total_ms} ms); planning ${tick.plan_ms} ms; same statement count with a 1,000-node fleet`,
      "< 50 ms",
    ],
    [
      `Rolling rollout, ${r.rollout_e2e.nodes} simulated nodes, 10 batches`,
      `${r.rollout_e2e.state} in ${r.rollout_e2e.duration_s?.toFixed(1) ?? "?"} s; convergence p50 ${seconds(r.rollout_e2e.convergence.p50Ms)} p99 ${seconds(r.rollout_e2e.convergence.p99Ms)}; ${r.rollout_e2e.requests} requests, ${r.rollout_e2e.errors} errors`,
      "completes, 0 errors",
    ],
  ];
  return [
    "# Benchmark results",
    "",
    `Generated ${r.generated_at} by \`npm run bench\` on ${r.machine.cpus} × ${r.machine.cpu_model}, Node ${r.machine.node}, local workerd (wrangler dev).`,
    "",
    "| Benchmark | Result | Goal |",
    "|---|---|---|",
    ...rows.map((row) => `| ${row.join(" | ")} |`),
    "",
    `Simulator summary: \`${r.rollout_e2e.summary}\``,
    "",
  ].join("\n");
}
