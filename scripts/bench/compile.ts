/**
 * Compile benchmark: submits a generated 1,000-route config to a running control plane and polls
 * until the bundle is compiled.
 *
 * Reports
 * - validate_ms: wall time of the POST (embedded validation + digest + insert + enqueue),
 * - compile_ms: the `compile_duration_ms` the worker recorded (claim → validate → tar → zstd →
 *   sign → R2 upload → risk → UPDATE),
 * - end_to_end_ms: POST start → compiled observed (includes queue batching delay,
 *   `max_batch_timeout` = 1 s, and the poll interval),
 * - archive_bytes: size of the signed tar.zst.
 *
 * Usage: `npx tsx scripts/bench/compile.ts [baseUrl]` with ZCP_API_KEY (default: the key saved by
 * `npm start` in .wrangler/zcp-dev-credentials.json) and ZCP_PROJECT (default "demo").
 */
import { existsSync, readFileSync } from "node:fs";
import { generateLargeConfig } from "../../src/kdl/testing/generate";
import { CREDENTIALS_FILE } from "../dev/credentials";

/** Routes in the benchmark config. */
export const BENCH_ROUTES = 1000;
const POLL_INTERVAL_MS = 20;
const TIMEOUT_MS = 60_000;

/** Result of one run. */
export interface CompileBenchResult {
  routes: number;
  validate_ms: number;
  compile_ms: number | null;
  end_to_end_ms: number;
  archive_bytes: number;
  bundle_id: string;
}

interface BundleView {
  bundle_id: string;
  status: string;
  size_bytes: number | null;
  compile_duration_ms: number | null;
  compiler_output: string | null;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
  }
  return JSON.parse(text) as T;
}

/** Runs the benchmark once against `baseUrl` (e.g. http://127.0.0.1:8787). */
export async function benchCompile(
  baseUrl: string,
  opts: { apiKey: string; project: string; routes?: number },
): Promise<CompileBenchResult> {
  const routes = opts.routes ?? BENCH_ROUTES;
  // A unique trailing comment makes the content (and so the bundle id) new on every run, so the
  // server compiles instead of answering with an existing bundle.
  const config = `${generateLargeConfig(routes)}\n// bench run ${Date.now()}-${Math.random()}\n`;
  const headers = { authorization: `Bearer ${opts.apiKey}`, "content-type": "application/json" };
  const bundles = `${baseUrl}/api/v1/projects/${opts.project}/bundles`;

  const started = performance.now();
  const submitted = await json<BundleView>(
    await fetch(bundles, { method: "POST", headers, body: JSON.stringify({ config }) }),
    "submit",
  );
  const validateMs = performance.now() - started;

  for (;;) {
    const bundle = await json<BundleView>(
      await fetch(`${bundles}/${submitted.bundle_id}`, { headers }),
      "poll",
    );
    if (bundle.status === "compiled") {
      return {
        routes,
        validate_ms: Math.round(validateMs),
        compile_ms: bundle.compile_duration_ms,
        end_to_end_ms: Math.round(performance.now() - started),
        archive_bytes: bundle.size_bytes ?? 0,
        bundle_id: bundle.bundle_id,
      };
    }
    if (bundle.status === "failed" || bundle.status === "revoked") {
      throw new Error(`bundle ${bundle.bundle_id} is ${bundle.status}: ${bundle.compiler_output}`);
    }
    if (performance.now() - started > TIMEOUT_MS) {
      throw new Error(`bundle ${bundle.bundle_id} still ${bundle.status} after ${TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

function defaultApiKey(): string {
  if (process.env.ZCP_API_KEY) {
    return process.env.ZCP_API_KEY;
  }
  if (existsSync(CREDENTIALS_FILE)) {
    return (JSON.parse(readFileSync(CREDENTIALS_FILE, "utf8")) as { apiKey: string }).apiKey;
  }
  throw new Error("set ZCP_API_KEY (or run `npm start` once to create the dev credentials)");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const baseUrl = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`;
  const result = await benchCompile(baseUrl, {
    apiKey: defaultApiKey(),
    project: process.env.ZCP_PROJECT ?? "demo",
  });
  console.log(JSON.stringify(result, null, 2));
}
