/**
 * Node-protocol benchmark: requests per second of the two hot node routes against `/healthz` (the
 * cheapest route the Worker serves: no auth, no D1), measured in the same run against a running
 * control plane, so the ratios say what authentication and D1 cost on top of the runtime.
 *
 * - poll: `GET /nodes/{id}/bundles/latest` with nothing new (one indexed D1 read, no write),
 * - heartbeat: `POST /nodes/{id}/heartbeat` (one read plus one write batch).
 *
 * Fairness: the three routes run with the same concurrency, each phase after its own unmeasured
 * warm-up, in `rounds` rounds whose phase order rotates (so no route always runs first, on a
 * cold isolate, or last, after the others heated the machine), each phase with the same time
 * and request budget; the reported rates and ratios are the medians over the rounds (ratios
 * are taken within a round, so load that changes between rounds cancels out).
 *
 * Registers enough nodes with the enrollment token (unique names per run) that each stays well
 * inside the per-node rate limit, sized from a /healthz probe, and revokes them at the end with
 * the API key. Loopback only; every phase is bounded by time and request count.
 *
 * Usage: `npx tsx scripts/bench/node-protocol.ts [baseUrl]` with ZCP_API_KEY and
 * ZCP_ENROLLMENT_TOKEN (defaults: the credentials `npm start` saved in
 * .wrangler/zcp-dev-credentials.json), ZCP_PROJECT (default "demo"), BENCH_DURATION_MS
 * (default 5000 per phase) and BENCH_CONCURRENCY (default 8).
 */
import { existsSync, readFileSync } from "node:fs";
import {
  LOCAL_ADMIT_FRACTION,
  NODE_REQUESTS_PER_WINDOW,
} from "../../src/api/middleware/rate-limit";
import { CREDENTIALS_FILE } from "../dev/credentials";

/** Upper bound of requests per phase, whatever the duration (keeps a run bounded). */
export const MAX_REQUESTS_PER_PHASE = 200_000;
/** Most nodes one run registers. */
const MAX_BENCH_NODES = 600;
/** Registrations (and revocations) in flight at once. */
const SETUP_CONCURRENCY = 8;
/**
 * Requests one node may send during a run: 80 % of what the per-node rate limiter admits from
 * its isolate-local bucket. Like a real node polling every ~30 s, no bench request then pays the
 * limiter's RPC or hits its 429, so the numbers are those of a large fleet, not of a few
 * hyperactive nodes.
 */
const REQUESTS_PER_NODE = Math.floor(NODE_REQUESTS_PER_WINDOW * LOCAL_ADMIT_FRACTION * 0.8);
/** Unmeasured requests per worker before each phase (JIT, connection and isolate warm-up). */
const WARMUP_REQUESTS_PER_WORKER = 20;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Options of one run. */
export interface NodeBenchOptions {
  apiKey: string;
  enrollmentToken: string;
  project: string;
  /** Measured time per phase. */
  durationMs: number;
  /** Requests in flight per phase. */
  concurrency: number;
  /** Rounds of (healthz, poll, heartbeat) phases in rotating order; default DEFAULT_ROUNDS. */
  rounds?: number;
}

/** Rounds when the caller does not say (odd, so the median is one round's figure). */
export const DEFAULT_ROUNDS = 3;

/** Result of one run: requests per second per route and the ratios to /healthz. */
export interface NodeBenchResult {
  healthz_rps: number;
  poll_rps: number;
  heartbeat_rps: number;
  poll_vs_healthz: number;
  heartbeat_vs_healthz: number;
  rounds: number;
  /** Requests in flight in every phase. */
  concurrency: number;
  /** Measured time per phase (a phase may end earlier on its request cap). */
  phase_ms: number;
  /** Every round's rates in the order they ran. */
  per_round: { order: string[]; healthz_rps: number; poll_rps: number; heartbeat_rps: number }[];
}

interface BenchNode {
  id: string;
  key: string;
}

/** Runs the benchmark once against `baseUrl` (e.g. http://127.0.0.1:8787). */
export async function benchNodeProtocol(
  baseUrl: string,
  opts: NodeBenchOptions,
): Promise<NodeBenchResult> {
  const base = new URL(baseUrl);
  if (!LOOPBACK_HOSTS.has(base.hostname)) {
    throw new Error(`refusing to benchmark ${base.hostname}: loopback only`);
  }
  if (opts.concurrency < 1 || opts.durationMs < 1) {
    throw new Error("concurrency and durationMs must be positive");
  }
  const origin = base.origin;
  const rounds = Math.max(1, Math.floor(opts.rounds ?? DEFAULT_ROUNDS));
  const healthz = () => fetch(`${origin}/healthz`);
  // /healthz bounds what the node routes can reach, so a short probe sizes the fleet the run needs.
  const probeRps = await phase("healthz", healthz, opts, MAX_REQUESTS_PER_PHASE, 1_000);
  const perPhase =
    probeRps * (opts.durationMs / 1000) + opts.concurrency * WARMUP_REQUESTS_PER_WORKER;
  const wanted = Math.ceil((2 * rounds * perPhase * 1.2) / REQUESTS_PER_NODE);
  const nodes = await registerNodes(
    origin,
    opts,
    Math.min(MAX_BENCH_NODES, Math.max(opts.concurrency, wanted)),
  );
  try {
    let next = 0;
    // Round-robin per request: every node stays at the same, budget-respecting rate.
    const nextNode = (): BenchNode => {
      const node = nodes[next++ % nodes.length];
      if (!node) {
        throw new Error("no bench nodes registered");
      }
      return node;
    };
    const poll = () => {
      const node = nextNode();
      return fetch(`${origin}/api/v1/nodes/${node.id}/bundles/latest`, {
        headers: { "x-zentinel-node-key": node.key },
      });
    };
    const heartbeat = () => {
      const node = nextNode();
      return fetch(`${origin}/api/v1/nodes/${node.id}/heartbeat`, {
        method: "POST",
        headers: { "x-zentinel-node-key": node.key, "content-type": "application/json" },
        body: JSON.stringify({
          health: { status: "healthy" },
          metrics: { error_rate: 0, latency_p99_ms: 12, cpu_percent: 10, memory_percent: 30 },
        }),
      });
    };
    // The same request cap for every phase, small enough that the node routes never leave the
    // per-node budget (a phase that hits it ends early; its rate is still requests / elapsed).
    const cap = Math.max(
      opts.concurrency,
      Math.min(
        MAX_REQUESTS_PER_PHASE,
        Math.floor((nodes.length * REQUESTS_PER_NODE) / (2 * rounds)) -
          opts.concurrency * WARMUP_REQUESTS_PER_WORKER,
      ),
    );
    const routes = [
      ["healthz", healthz],
      ["poll", poll],
      ["heartbeat", heartbeat],
    ] as const;
    const perRound: NodeBenchResult["per_round"] = [];
    for (let r = 0; r < rounds; r++) {
      const order = routes.map((_, i) => routes[(i + r) % routes.length]);
      const rps: Record<string, number> = {};
      for (const entry of order) {
        if (entry) {
          rps[entry[0]] = await phase(entry[0], entry[1], opts, cap, opts.durationMs);
        }
      }
      perRound.push({
        order: order.map((e) => e?.[0] ?? ""),
        healthz_rps: round(rps.healthz ?? Number.NaN),
        poll_rps: round(rps.poll ?? Number.NaN),
        heartbeat_rps: round(rps.heartbeat ?? Number.NaN),
      });
    }
    return {
      healthz_rps: median(perRound.map((p) => p.healthz_rps)),
      poll_rps: median(perRound.map((p) => p.poll_rps)),
      heartbeat_rps: median(perRound.map((p) => p.heartbeat_rps)),
      poll_vs_healthz: round(median(perRound.map((p) => p.poll_rps / p.healthz_rps)), 3),
      heartbeat_vs_healthz: round(median(perRound.map((p) => p.heartbeat_rps / p.healthz_rps)), 3),
      rounds,
      concurrency: opts.concurrency,
      phase_ms: opts.durationMs,
      per_round: perRound,
    };
  } finally {
    await revokeNodes(origin, opts, nodes);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/**
 * `concurrency` loops send requests back to back until the time or request budget is used up;
 * returns successful requests per second. Any non-2xx answer fails the run: a benchmark that
 * counts errors as throughput measures nothing.
 */
async function phase(
  name: string,
  send: () => Promise<Response>,
  opts: NodeBenchOptions,
  maxRequests: number,
  durationMs: number,
): Promise<number> {
  const workers = Array.from({ length: opts.concurrency }, (_, i) => i);
  await Promise.all(
    workers.map(async () => {
      for (let i = 0; i < WARMUP_REQUESTS_PER_WORKER; i++) {
        await expectOk(name, await send());
      }
    }),
  );
  let sent = 0;
  let ok = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    workers.map(async () => {
      while (performance.now() < deadline && sent < maxRequests) {
        sent += 1;
        await expectOk(name, await send());
        ok += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return ok / seconds;
}

async function expectOk(name: string, res: Response): Promise<void> {
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${name}: HTTP ${res.status} ${text.slice(0, 300)}`);
  }
}

async function registerNodes(
  origin: string,
  opts: NodeBenchOptions,
  count: number,
): Promise<BenchNode[]> {
  const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const nodes: BenchNode[] = [];
  try {
    await inBatches(count, async (i) => {
      const res = await fetch(`${origin}/api/v1/projects/${opts.project}/nodes/register`, {
        method: "POST",
        headers: {
          "x-zentinel-enrollment-token": opts.enrollmentToken,
          "content-type": "application/json",
        },
        body: JSON.stringify({ name: `bench-${run}-${i}`, labels: { bench: "node-protocol" } }),
      });
      const text = await res.text();
      if (res.status !== 201) {
        throw new Error(`register: HTTP ${res.status} ${text.slice(0, 300)}`);
      }
      const body = JSON.parse(text) as { node_id: string; node_key: string };
      nodes.push({ id: body.node_id, key: body.node_key });
    });
  } catch (err) {
    await revokeNodes(origin, opts, nodes);
    throw err;
  }
  return nodes;
}

/** Revokes the run's nodes so repeated runs do not grow the fleet the dashboard shows. */
async function revokeNodes(origin: string, opts: NodeBenchOptions, nodes: BenchNode[]) {
  await inBatches(nodes.length, async (i) => {
    const node = nodes[i];
    if (!node) {
      return;
    }
    const res = await fetch(`${origin}/api/v1/projects/${opts.project}/nodes/${node.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${opts.apiKey}` },
    });
    await res.text();
    if (!res.ok) {
      console.warn(`could not revoke bench node ${node.id}: HTTP ${res.status}`);
    }
  });
}

/** Runs `task(0 … count-1)` with at most SETUP_CONCURRENCY in flight. */
async function inBatches(count: number, task: (i: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < count; start += SETUP_CONCURRENCY) {
    const batch = Array.from(
      { length: Math.min(SETUP_CONCURRENCY, count - start) },
      (_, k) => start + k,
    );
    await Promise.all(batch.map(task));
  }
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function savedCredentials(): { apiKey?: string; enrollmentToken?: string } {
  return existsSync(CREDENTIALS_FILE)
    ? (JSON.parse(readFileSync(CREDENTIALS_FILE, "utf8")) as {
        apiKey?: string;
        enrollmentToken?: string;
      })
    : {};
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const saved = savedCredentials();
  const apiKey = process.env.ZCP_API_KEY ?? saved.apiKey;
  const enrollmentToken = process.env.ZCP_ENROLLMENT_TOKEN ?? saved.enrollmentToken;
  if (!apiKey || !enrollmentToken) {
    throw new Error("set ZCP_API_KEY and ZCP_ENROLLMENT_TOKEN (or run `npm start` once)");
  }
  const result = await benchNodeProtocol(
    process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 8787}`,
    {
      apiKey,
      enrollmentToken,
      project: process.env.ZCP_PROJECT ?? "demo",
      durationMs: Number(process.env.BENCH_DURATION_MS ?? 5000),
      concurrency: Number(process.env.BENCH_CONCURRENCY ?? 8),
    },
  );
  console.log(JSON.stringify(result, null, 2));
}
