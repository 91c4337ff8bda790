/**
 * The simulator run: enroll N virtual nodes, start them, and (with an operator API key) compile a
 * sample config, roll it out over exactly those nodes (label `sim_run=<run id>`), follow the
 * rollout to a terminal state while the nodes keep polling and heartbeating, then report.
 * Without an API key the fleet just runs for `--duration` (drive rollouts from the dashboard).
 */
import { randomBytes } from "node:crypto";
import { sleep } from "../agent/backoff";
import { describe, HttpClient } from "../agent/http";
import type { Logger } from "../agent/log";
import type { Distribution } from "./distribution";
import { Fleet } from "./fleet";
import {
  OperatorClient,
  type RolloutCreate,
  type RolloutView,
  TERMINAL_ROLLOUT_STATES,
} from "./operator";
import { sampleConfig } from "./sample-config";
import {
  type ConvergenceSummary,
  type RolloutOutcome,
  renderSummary,
  summariseConvergence,
} from "./summary";
import type { NodeBehaviour } from "./virtual-node";

/** Everything a run needs (see options.ts for the flags). */
export interface SimulationOptions {
  readonly url: string;
  readonly project: string;
  readonly enrollmentToken: string;
  /** Operator API key; without it no bundle/rollout is created. */
  readonly apiKey?: string;
  readonly nodes: number;
  readonly behaviour: NodeBehaviour;
  readonly concurrency: number;
  readonly churnPerMin: number;
  readonly churnDowntimeS: Distribution;
  readonly auth: "jwt" | "key";
  readonly labels: Readonly<Record<string, string>>;
  /** Config text to compile; the built-in sample when absent. */
  readonly config?: string;
  readonly strategy: RolloutCreate["strategy"];
  readonly batchPercentage: number;
  readonly rolloutTimeoutS: number;
  readonly compileTimeoutS: number;
  /** Fleet-only mode: how long to run (seconds); until aborted when absent. */
  readonly durationS?: number;
  readonly requestTimeoutMs: number;
  /** Seconds between progress lines. */
  readonly progressIntervalS: number;
  readonly runId?: string;
  readonly random: () => number;
}

/** Effects a caller can supply (tests, the CLI). */
export interface SimulationDeps {
  readonly log: Logger;
  /** Receives progress and summary lines. */
  readonly print: (line: string) => void;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

/** Outcome of a run. */
export interface SimulationResult {
  readonly exitCode: number;
  readonly runId: string;
  readonly lines: string[];
  readonly rollout: RolloutOutcome | null;
  readonly bundleId: string | null;
  readonly convergence: ConvergenceSummary;
  readonly requests: number;
  readonly errors: number;
  readonly enrolled: number;
}

const ROLLOUT_POLL_MS = 1_000;

/** Follows a rollout until it is terminal, the timeout passes or the run is aborted. */
async function followRollout(
  operator: OperatorClient,
  created: RolloutView,
  fleet: Fleet,
  bundleId: string,
  options: SimulationOptions,
  deps: SimulationDeps,
): Promise<RolloutOutcome> {
  const started = performance.now();
  const elapsedS = () => (performance.now() - started) / 1000;
  let view = created;
  let lastProgress = started;
  let readFailures = 0;
  while (!TERMINAL_ROLLOUT_STATES.has(view.state)) {
    if (deps.signal?.aborted) {
      return { id: view.id, state: "interrupted", durationS: elapsedS(), error: null };
    }
    if (elapsedS() > options.rolloutTimeoutS) {
      return {
        id: view.id,
        state: `timeout (still ${view.state})`,
        durationS: elapsedS(),
        error: view.error ?? null,
      };
    }
    await sleep(ROLLOUT_POLL_MS, deps.signal).catch(() => undefined);
    try {
      view = await operator.getRollout(view.id, deps.signal);
      readFailures = 0;
    } catch (error) {
      readFailures += 1;
      deps.log.warn("reading the rollout failed", {
        error: describe(error),
        consecutive: readFailures,
      });
    }
    if (performance.now() - lastProgress >= options.progressIntervalS * 1000) {
      lastProgress = performance.now();
      const step =
        view.current_step === undefined || view.current_step === null
          ? ""
          : ` step ${view.current_step}`;
      deps.print(
        `[${elapsedS().toFixed(1)} s] rollout ${view.state}${step}; ${fleet.activeOn(bundleId)}/${fleet.nodes.length} nodes active; ${fleet.stats.totalAttempts.toLocaleString("en-US")} requests, ${fleet.stats.totalErrors} errors`,
      );
    }
  }
  return { id: view.id, state: view.state, durationS: elapsedS(), error: view.error ?? null };
}

/** Runs one simulation and reports it. Never throws for control-plane failures. */
export async function runSimulation(
  options: SimulationOptions,
  deps: SimulationDeps,
): Promise<SimulationResult> {
  const started = performance.now();
  const runId = options.runId ?? randomBytes(4).toString("hex");
  const fleet = new Fleet({
    url: options.url,
    project: options.project,
    enrollmentToken: options.enrollmentToken,
    nodes: options.nodes,
    runId,
    labels: options.labels,
    auth: options.auth,
    behaviour: options.behaviour,
    concurrency: options.concurrency,
    churnPerMin: options.churnPerMin,
    churnDowntimeS: options.churnDowntimeS,
    requestTimeoutMs: options.requestTimeoutMs,
    random: options.random,
    log: deps.log,
    fetch: deps.fetch,
  });
  deps.print(
    `simulation ${runId}: enrolling ${options.nodes} nodes into ${options.project} at ${options.url}`,
  );
  const enrollFailures = await fleet.enroll();
  for (const failure of enrollFailures.slice(0, 3)) {
    deps.print(`enrollment failed: ${failure}`);
  }
  let rollout: RolloutOutcome | null = null;
  let bundleId: string | null = null;
  let problem: string | null = null;
  if (fleet.nodes.length === 0) {
    problem = "no node could enroll";
  } else {
    fleet.start();
    deps.print(`${fleet.nodes.length} nodes running (label sim_run=${runId})`);
    try {
      if (options.apiKey !== undefined) {
        const operator = new OperatorClient(
          new HttpClient({
            baseUrl: options.url,
            userAgent: "zentinel-simulator",
            timeoutMs: options.requestTimeoutMs,
            onEvent: fleet.stats.record,
            fetch: deps.fetch,
            random: options.random,
          }),
          options.apiKey,
          options.project,
        );
        const created = await operator.createBundle(
          options.config ?? sampleConfig(runId),
          `sim-${runId}`,
        );
        bundleId = created.bundleId;
        fleet.newBundleId = bundleId;
        deps.print(`bundle ${bundleId.slice(0, 12)}… ${created.status}; waiting for compilation`);
        await operator.waitCompiled(bundleId, options.compileTimeoutS * 1000, deps.signal);
        const view = await operator.createRollout({
          bundle_id: bundleId,
          target_selector: { type: "labels", labels: { sim_run: runId } },
          strategy: options.strategy,
          batch_percentage: options.batchPercentage,
        });
        deps.print(
          `rollout ${view.id} created (${options.strategy}, batches of ${options.batchPercentage} %): ${view.state}`,
        );
        rollout = await followRollout(operator, view, fleet, bundleId, options, deps);
      } else {
        const until = options.durationS === undefined ? null : options.durationS * 1000;
        await sleep(until ?? 2 ** 31 - 1, deps.signal).catch(() => undefined);
      }
    } catch (error) {
      problem = describe(error);
      deps.print(`scenario failed: ${problem}`);
    } finally {
      fleet.stop();
    }
  }
  const samples = fleet.convergence
    .filter((s) => bundleId === null || s.bundleId === bundleId)
    .map((s) => s.ms);
  const convergence = summariseConvergence(samples);
  const lines = renderSummary({
    runId,
    nodes: fleet.nodes.length,
    enrollFailures: enrollFailures.length,
    stats: fleet.stats,
    counters: fleet.counters,
    convergence,
    mode: options.apiKey === undefined ? "fleet" : "rollout",
    rollout,
    wallS: (performance.now() - started) / 1000,
    maxQueued: fleet.limiter.maxQueued,
    problem,
  });
  for (const line of lines) {
    deps.print(line);
  }
  const rolloutOk = options.apiKey === undefined || rollout?.state === "completed";
  const ok =
    rolloutOk && problem === null && enrollFailures.length === 0 && fleet.stats.totalErrors === 0;
  return {
    exitCode: ok ? 0 : 1,
    runId,
    lines,
    rollout,
    bundleId,
    convergence,
    requests: fleet.stats.totalAttempts,
    errors: fleet.stats.totalErrors,
    enrolled: fleet.nodes.length,
  };
}
