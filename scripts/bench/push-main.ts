// `npm run bench:push`: the push benchmarks alone (propagation to 1,000 sockets, 20 % dropped
// sockets, and the rolling rollouts with push), on a fresh local control plane. Writes
// bench/push.json, which `npm run bench` also produces and renders into bench/RESULTS.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareLocalState, startDevServer } from "../dev/server";
import { runPushBenchmarks } from "./push-suite";

const ROOT = join(import.meta.dirname, "..", "..");
const PORT = Number(process.env.BENCH_PORT || 8796);

const persistTo = mkdtempSync(join(tmpdir(), "zcp-bench-push-"));
prepareLocalState({ persistTo });
const server = await startDevServer({ port: PORT, persistTo });
try {
  const results = await runPushBenchmarks(server.baseUrl, server.credentials);
  mkdirSync(join(ROOT, "bench"), { recursive: true });
  writeFileSync(join(ROOT, "bench", "push.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log("[bench] wrote bench/push.json");
} finally {
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
