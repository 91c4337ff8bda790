// `npm run bench`: starts a fresh local control plane (its own state directory, port 8796),
// runs every benchmark against it and writes bench/results.json plus bench/RESULTS.md, which
// the README summarises. Every figure in those files comes from this run's measurements, with
// the machine's load averages around each one. Loopback only; every loop is bounded.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { prepareLocalState, startDevServer } from "../dev/server";
import { benchCompile, type CompileBenchResult } from "./compile";
import { withLoad } from "./load";
import { runPushBenchmarks } from "./push-suite";
import { type BenchResults, COMPILE_RUNS, renderMarkdown } from "./render";
import { benchRolloutTick } from "./rollout-tick";
import { ROOT, writeBenchJson } from "./workers-test";
import { benchWritePath } from "./write-path";

const PORT = Number(process.env.BENCH_PORT || 8796);
const benchStarted = performance.now();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

// wrangler dev refuses to start without the dashboard's assets directory.
if (!existsSync(join(ROOT, "dist", "web"))) {
  console.log("[bench] building the dashboard (dist/web) for wrangler dev");
  const build = spawnSync("npm", ["run", "web:build"], { cwd: ROOT, stdio: "inherit" });
  if (build.status !== 0) {
    throw new Error("npm run web:build failed");
  }
}

console.log("[bench] rollout tick of a 10,000-node rollout (inside workerd, via the workers pool)");
const tick = await withLoad(() => benchRolloutTick());
console.log(
  `[bench]   worst tick ${tick.tick_ms} ms, ${tick.d1_statements} D1 statements, ${tick.step_nodes}-node step`,
);

console.log(
  "[bench] node write path: D1 writes per minute, 1,000 nodes every 30 s (inside workerd)",
);
const writePath = await withLoad(() => benchWritePath());
console.log(
  `[bench]   D1 write statements/min ${writePath.before.d1_write_statements} before, ${writePath.after.d1_write_statements} after (${writePath.ratio.write_statements.toFixed(1)}× fewer)`,
);

const persistTo = mkdtempSync(join(tmpdir(), "zcp-bench-"));
console.log(`[bench] preparing a fresh local control plane in ${persistTo}`);
prepareLocalState({ persistTo });
const server = await startDevServer({ port: PORT, persistTo });
const { apiKey } = server.credentials;
const started = new Date().toISOString();
try {
  // Node protocol first (quiet server), then propagation and the two rollouts.
  const push = await runPushBenchmarks(server.baseUrl, server.credentials);

  console.log(`[bench] compile of a 1,000-route config (${COMPILE_RUNS} runs)`);
  const compile = await withLoad(async () => {
    const runs: CompileBenchResult[] = [];
    for (let i = 0; i < COMPILE_RUNS; i++) {
      runs.push(await benchCompile(server.baseUrl, { apiKey, project: "demo" }));
    }
    return {
      routes: runs[0]?.routes ?? 0,
      compile_ms_median: median(runs.map((r) => r.compile_ms ?? Number.NaN)),
      end_to_end_ms_median: median(runs.map((r) => r.end_to_end_ms)),
      archive_bytes: runs[0]?.archive_bytes ?? 0,
      runs,
    };
  });
  console.log(`[bench]   compile_ms ${compile.runs.map((r) => r.compile_ms).join(", ")}`);

  const results: BenchResults = {
    generated_at: started,
    bench_duration_s: 0,
    machine: {
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? "unknown",
      node: process.version,
    },
    node_protocol: push.node_protocol,
    compile,
    rollout_tick: tick,
    write_path: writePath,
    propagation: push.propagation,
    zero_bake: push.zero_bake,
    defaults_300: push.defaults_300,
  };
  results.bench_duration_s = Math.round((performance.now() - benchStarted) / 1000);
  writeBenchJson("results.json", results);
  writeBenchJson("push.json", push);
  writeFileSync(join(ROOT, "bench", "RESULTS.md"), renderMarkdown(results));
  console.log(
    `[bench] wrote bench/results.json, bench/push.json and bench/RESULTS.md (${results.bench_duration_s} s)`,
  );
  const failed = [push.zero_bake, push.defaults_300].some(
    (r) => r.state !== "completed" || r.errors > 0,
  );
  process.exitCode = failed ? 1 : 0;
} finally {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
