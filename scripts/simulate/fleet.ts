/**
 * A fleet of virtual nodes in one process: enrollment, start/stop, churn (nodes that go away for
 * a while and come back, like restarts and network partitions), shared request accounting and
 * convergence samples. All HTTP goes through one client with a concurrency cap.
 */
import type { Random } from "../agent/backoff";
import { describe, HttpClient } from "../agent/http";
import type { Logger } from "../agent/log";
import { NodeClient, registerNode } from "../agent/protocol";
import { type Distribution, sampleClamped } from "./distribution";
import { Semaphore } from "./limiter";
import { RequestStats } from "./stats";
import {
  type ConvergenceSample,
  type FleetContext,
  type FleetCounters,
  type NodeBehaviour,
  VerifyCache,
  VirtualNode,
} from "./virtual-node";

/** Options of {@link Fleet}. */
export interface FleetOptions {
  readonly url: string;
  readonly project: string;
  readonly enrollmentToken: string;
  readonly nodes: number;
  /** Short id of this run: part of node names and the `sim_run` label. */
  readonly runId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly auth: "jwt" | "key";
  readonly behaviour: NodeBehaviour;
  /** Most HTTP requests in flight at once. */
  readonly concurrency: number;
  /** Fraction of online nodes that drop out per minute (0 = no churn). */
  readonly churnPerMin: number;
  /** Seconds a churned node stays away. */
  readonly churnDowntimeS: Distribution;
  readonly requestTimeoutMs: number;
  readonly random: Random;
  readonly log: Logger;
  readonly fetch?: typeof fetch;
}

const CHURN_TICK_MS = 1_000;

/** The simulated fleet. */
export class Fleet {
  readonly stats = new RequestStats();
  readonly limiter: Semaphore;
  readonly http: HttpClient;
  readonly nodes: VirtualNode[] = [];
  readonly counters: FleetCounters = {
    activations: 0,
    injectedFailures: 0,
    injectedUnhealthy: 0,
    verifyFailures: 0,
    sequenceRefusals: 0,
    restarts: 0,
  };
  readonly convergence: ConvergenceSample[] = [];
  /** Every pushed offer, with the wall-clock time it arrived (propagation benchmark). */
  readonly pushedOffers: { nodeId: string; bundleId: string; atMs: number }[] = [];
  /** Set by the scenario once it knows the bundle it rolls out. */
  newBundleId: string | null = null;
  private readonly verifier = new VerifyCache();
  private churnTimer: ReturnType<typeof setInterval> | null = null;
  private readonly downtimeTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly options: FleetOptions) {
    this.limiter = new Semaphore(options.concurrency);
    this.http = new HttpClient({
      baseUrl: options.url,
      userAgent: "zentinel-simulator",
      timeoutMs: options.requestTimeoutMs,
      random: options.random,
      limiter: this.limiter,
      onEvent: this.stats.record,
      fetch: options.fetch,
      backoff: { baseMs: 250, capMs: 10_000 },
    });
  }

  private context(): FleetContext {
    return {
      behaviour: this.options.behaviour,
      random: this.options.random,
      now: () => performance.now(),
      log: this.options.log,
      counters: this.counters,
      newBundleId: () => this.newBundleId,
      recordConvergence: (sample) => this.convergence.push(sample),
      recordPushedOffer: (nodeId, offer) =>
        this.pushedOffers.push({ nodeId, bundleId: offer.bundle_id, atMs: Date.now() }),
      verify: (offer, archive, keys) => this.verifier.verify(offer, archive, keys),
    };
  }

  /** Registers every node (concurrently, within the HTTP cap). Returns the failure messages. */
  async enroll(): Promise<string[]> {
    const o = this.options;
    const ctx = this.context();
    const attempts = Array.from({ length: o.nodes }, async (_, i) => {
      const name = `sim-${o.runId}-${String(i).padStart(5, "0")}`;
      const res = await registerNode(this.http, o.project, o.enrollmentToken, {
        name,
        labels: { ...o.labels, sim_run: o.runId },
        capabilities: ["simulated"],
        version: "zentinel-simulator",
        hostname: name,
      });
      const client = new NodeClient({
        http: this.http,
        credentials: { nodeId: res.node_id, nodeKey: res.node_key },
        auth: o.auth,
        random: o.random,
        onTokenError: (error) =>
          o.log.debug("token refresh failed", { node: name, error: describe(error) }),
      });
      const keys = res.signing_keys.map((k) => ({ kid: k.kid, publicKey: k.public_key }));
      return new VirtualNode(
        name,
        client,
        keys,
        { pollS: res.poll_interval_s, heartbeatS: res.heartbeat_interval_s },
        ctx,
      );
    });
    const failures: string[] = [];
    for (const result of await Promise.allSettled(attempts)) {
      if (result.status === "fulfilled") {
        this.nodes.push(result.value);
      } else {
        failures.push(describe(result.reason));
      }
    }
    return failures;
  }

  /** Starts every node and the churn ticker. */
  start(): void {
    for (const node of this.nodes) {
      node.start();
    }
    const perTick = this.options.churnPerMin / (60_000 / CHURN_TICK_MS);
    if (perTick > 0) {
      this.churnTimer = setInterval(() => this.churn(perTick), CHURN_TICK_MS);
    }
  }

  private churn(probability: number): void {
    for (const node of this.nodes) {
      if (!node.online || this.options.random() >= probability) {
        continue;
      }
      node.stop();
      this.counters.restarts += 1;
      const downtimeMs = sampleClamped(this.options.churnDowntimeS, this.options.random, 0) * 1000;
      const timer = setTimeout(() => {
        this.downtimeTimers.delete(timer);
        node.start();
      }, downtimeMs);
      this.downtimeTimers.add(timer);
    }
  }

  /** Stops every node and pending restart. */
  stop(): void {
    if (this.churnTimer !== null) {
      clearInterval(this.churnTimer);
      this.churnTimer = null;
    }
    for (const timer of this.downtimeTimers) {
      clearTimeout(timer);
    }
    this.downtimeTimers.clear();
    for (const node of this.nodes) {
      node.stop();
    }
  }

  /** Nodes currently running `bundleId`. */
  activeOn(bundleId: string): number {
    return this.nodes.filter((n) => n.active?.bundleId === bundleId).length;
  }
}
