/**
 * Push propagation benchmark: `nodes` simulated nodes hold push sockets (polls only on connect,
 * so an offer can only arrive by push), an all-at-once rollout opens one batch for all of them,
 * and each node's offer arrival is compared with the batch's `started_at`. A second rollout
 * drops `dropFraction` of the sockets right after it is created: those nodes must still converge
 * (reconnect → poll). Loopback only; every wait is bounded.
 */
import { randomBytes } from "node:crypto";
import { HttpClient } from "../agent/http";
import { createLogger } from "../agent/log";
import { parseDistribution } from "../simulate/distribution";
import { Fleet } from "../simulate/fleet";
import { OperatorClient } from "../simulate/operator";
import { sampleConfig } from "../simulate/sample-config";

/** Figures of one push benchmark run. */
export interface PushBenchResult {
  nodes: number;
  connected: number;
  connect_s: number;
  /** Offers received by push out of `nodes`. */
  pushed: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  dropped: number;
  /** Nodes on the second bundle at the end (all of them when every node converged). */
  converged_after_drop: number;
  converge_after_drop_s: number | null;
}

// Both 1,000-node rollouts of this benchmark together took 144 s at load average 2 on 2 cores and
// the first one alone passed 120 s under heavier load; the limit catches hangs, it times nothing.
const WAIT_LIMIT_MS = 360_000;

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) {
    return null;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

async function waitFor(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the benchmark against the control plane at `baseUrl`. */
export async function benchPush(
  baseUrl: string,
  opts: {
    apiKey: string;
    enrollmentToken: string;
    project: string;
    nodes: number;
    dropFraction: number;
  },
): Promise<PushBenchResult> {
  const runId = `push-${randomBytes(3).toString("hex")}`;
  const log = createLogger({ level: "warn", write: (l) => process.stderr.write(`${l}\n`) });
  const fleet = new Fleet({
    url: baseUrl,
    project: opts.project,
    enrollmentToken: opts.enrollmentToken,
    nodes: opts.nodes,
    runId,
    labels: {},
    auth: "key",
    behaviour: {
      // Long intervals: no scheduled poll lands during the measurement, only push delivers.
      pollIntervalS: parseDistribution("3600"),
      heartbeatIntervalS: parseDistribution("30"),
      activationDelayMs: parseDistribution("0"),
      failureRate: 0,
      unhealthyRate: 0,
      metrics: [],
      download: false,
      maxBackoffMs: 2_000,
      push: true,
    },
    concurrency: 64,
    churnPerMin: 0,
    churnDowntimeS: parseDistribution("0"),
    requestTimeoutMs: 30_000,
    random: Math.random,
    log,
  });
  const operator = new OperatorClient(
    new HttpClient({ baseUrl, userAgent: "zcp-bench", timeoutMs: 30_000 }),
    opts.apiKey,
    opts.project,
  );
  const failures = await fleet.enroll();
  if (failures.length > 0) {
    throw new Error(`enrollment failed: ${failures[0]}`);
  }
  const connectStarted = performance.now();
  fleet.start();
  try {
    await waitFor("every push socket", () => fleet.nodes.every((n) => n.push?.healthy === true));
    const connectS = (performance.now() - connectStarted) / 1000;

    const rollOut = async (version: string) => {
      const bundle = await operator.createBundle(sampleConfig(`${runId}-${version}`), version);
      await operator.waitCompiled(bundle.bundleId, 120_000);
      fleet.newBundleId = bundle.bundleId;
      const view = await operator.createRollout({
        bundle_id: bundle.bundleId,
        target_selector: { type: "labels", labels: { sim_run: runId } },
        strategy: "all_at_once",
      });
      return { bundleId: bundle.bundleId, rolloutId: view.id };
    };

    // 1. Propagation: batch opening → offer on the socket, for every node.
    const first = await rollOut(`${runId}-a`);
    await waitFor("every pushed offer", () => {
      const got = new Set(
        fleet.pushedOffers.filter((o) => o.bundleId === first.bundleId).map((o) => o.nodeId),
      );
      return got.size >= fleet.nodes.length;
    }).catch(() => undefined);
    const view = await operator.getRollout(first.rolloutId);
    const steps = (view as { steps?: { started_at: string | null }[] }).steps ?? [];
    const openedAt = Date.parse(steps[0]?.started_at ?? "");
    const firstByNode = new Map<string, number>();
    for (const o of fleet.pushedOffers) {
      if (o.bundleId === first.bundleId && !firstByNode.has(o.nodeId)) {
        firstByNode.set(o.nodeId, o.atMs);
      }
    }
    const delays = [...firstByNode.values()]
      .map((at) => Math.max(0, at - openedAt))
      .sort((a, b) => a - b);
    await waitFor("the first rollout to finish", async () =>
      ["completed", "failed", "cancelled"].includes(
        (await operator.getRollout(first.rolloutId)).state,
      ),
    );

    // 2. Dropped sockets: a share of the nodes lose their socket as the next batch opens.
    const dropCount = Math.round(fleet.nodes.length * opts.dropFraction);
    const second = await rollOut(`${runId}-b`);
    const dropStarted = performance.now();
    for (const node of fleet.nodes.slice(0, dropCount)) {
      node.push?.drop();
    }
    let convergeS: number | null = null;
    await waitFor("every node on the second bundle", () => {
      const done = fleet.nodes.every((n) => n.active?.bundleId === second.bundleId);
      if (done) {
        convergeS = (performance.now() - dropStarted) / 1000;
      }
      return done;
    }).catch(() => undefined);
    return {
      nodes: fleet.nodes.length,
      connected: fleet.nodes.filter((n) => n.push !== null).length,
      connect_s: Math.round(connectS * 10) / 10,
      pushed: firstByNode.size,
      p50_ms: percentile(delays, 50),
      p99_ms: percentile(delays, 99),
      max_ms: delays.at(-1) ?? null,
      dropped: dropCount,
      converged_after_drop: fleet.nodes.filter((n) => n.active?.bundleId === second.bundleId)
        .length,
      converge_after_drop_s: convergeS,
    };
  } finally {
    fleet.stop();
  }
}
