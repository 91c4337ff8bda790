/**
 * The push benchmarks of issue 15, shared by `npm run bench` and `npm run bench:push`:
 * propagation to PUSH_NODES sockets (+ dropped sockets), a 1,000-node 10-batch rolling rollout
 * with zero bake, and a 300-node rollout with the simulator's defaults, both with push on.
 */
import { createLogger } from "../agent/log";
import { parseSimulateCli } from "../simulate/options";
import { runSimulation } from "../simulate/scenario";
import { type LoadAverages, withLoad } from "./load";
import { benchNodeProtocol, type NodeBenchResult } from "./node-protocol";
import { benchPush, type PushBenchResult } from "./push";

const PUSH_NODES = Number(process.env.BENCH_PUSH_NODES || 1000);
const ZERO_BAKE_NODES = Number(process.env.BENCH_NODES || 1000);
const DEFAULT_NODES = Number(process.env.BENCH_DEFAULT_NODES || 300);
/** Measured time per phase and requests in flight of the node-protocol benchmark. */
export const NODE_PHASE_MS = 4_000;
export const NODE_CONCURRENCY = 8;
/** Share of sockets dropped as the second batch opens. */
const DROP_FRACTION = 0.2;

/** One simulated rollout's figures. */
export interface RolloutBench {
  nodes: number;
  state: string;
  duration_s: number | null;
  requests: number;
  errors: number;
  /** Time from the rollout's creation to each node running the bundle. */
  convergence: { p50Ms: number | null; p99Ms: number | null };
  summary: string;
}

/** Everything the push suite measured. */
export interface PushSuiteResult {
  /** Idle poll and heartbeat vs /healthz in the same run (same server as the push runs). */
  node_protocol: NodeBenchResult & LoadAverages;
  propagation: PushBenchResult & LoadAverages;
  zero_bake: RolloutBench & LoadAverages;
  defaults_300: RolloutBench & LoadAverages;
}

async function simulate(
  baseUrl: string,
  credentials: { apiKey: string; enrollmentToken: string },
  nodes: number,
  extra: string[],
): Promise<RolloutBench> {
  const log = createLogger({ level: "warn", write: (l) => process.stderr.write(`${l}\n`) });
  const cli = parseSimulateCli(
    [
      "--url",
      baseUrl,
      "--api-key",
      credentials.apiKey,
      "--enrollment-token",
      credentials.enrollmentToken,
      "--nodes",
      String(nodes),
      ...extra,
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
  return {
    nodes,
    state: sim.rollout?.state ?? "not started",
    duration_s: sim.rollout?.durationS ?? null,
    requests: sim.requests,
    errors: sim.errors,
    convergence: { p50Ms: sim.convergence.p50Ms, p99Ms: sim.convergence.p99Ms },
    summary: sim.lines.at(-1) ?? "",
  };
}

/** Runs the three push benchmarks against `baseUrl`. */
export async function runPushBenchmarks(
  baseUrl: string,
  credentials: { apiKey: string; enrollmentToken: string },
): Promise<PushSuiteResult> {
  console.log("[bench] idle poll and heartbeat vs /healthz");
  const nodeProtocol = await withLoad(() =>
    benchNodeProtocol(baseUrl, {
      ...credentials,
      project: "demo",
      durationMs: NODE_PHASE_MS,
      concurrency: NODE_CONCURRENCY,
    }),
  );
  console.log(`[bench]   ${JSON.stringify(nodeProtocol)}`);
  console.log(
    `[bench] push propagation to ${PUSH_NODES} sockets (+ ${DROP_FRACTION * 100} % dropped)`,
  );
  const propagation = await withLoad(() =>
    benchPush(baseUrl, {
      ...credentials,
      project: "demo",
      nodes: PUSH_NODES,
      dropFraction: DROP_FRACTION,
    }),
  );
  console.log(`[bench]   ${JSON.stringify(propagation)}`);
  console.log(`[bench] ${ZERO_BAKE_NODES}-node 10-batch rolling rollout, zero bake, push on`);
  const zeroBake = await withLoad(() =>
    simulate(baseUrl, credentials, ZERO_BAKE_NODES, [
      "--heartbeat-interval",
      "30",
      "--poll-interval",
      "30",
    ]),
  );
  console.log(`[bench]   ${zeroBake.summary}`);
  console.log(`[bench] ${DEFAULT_NODES}-node rollout with the simulator's defaults, push on`);
  const defaults = await withLoad(() => simulate(baseUrl, credentials, DEFAULT_NODES, []));
  console.log(`[bench]   ${defaults.summary}`);
  return { node_protocol: nodeProtocol, propagation, zero_bake: zeroBake, defaults_300: defaults };
}
