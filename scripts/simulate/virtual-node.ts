/**
 * One simulated node: a plain object with two timers (poll, heartbeat) that speaks the real node
 * protocol through the agent's {@link NodeClient}. It downloads and verifies offered bundles
 * (verification results are shared per archive checksum, so a thousand nodes cost one Ed25519
 * check), follows the agent's rules (sequence/rollback, quarantine, If-None-Match), and instead of
 * touching a proxy it waits an activation delay and injects failures and unhealthiness at the
 * configured rates.
 */
import { sha256Hex } from "../../src/bundles/bytes";
import { type TrustedKey, verifyBundle } from "../../src/bundles/verify";
import { failureDelayMs, type Random } from "../agent/backoff";
import { describe } from "../agent/http";
import type { Logger } from "../agent/log";
import type { BundleOffer, HeartbeatMetrics, NodeClient } from "../agent/protocol";
import { PushChannel } from "../agent/push";
import { type Distribution, sampleClamped } from "./distribution";
import { drawMetrics, type MetricsRule, resolveMetrics } from "./metrics-spec";
import { simulatedTelemetry } from "./telemetry";

/** Timing and failure knobs shared by every node of a fleet. */
export interface NodeBehaviour {
  /** Seconds between polls, or `server` to follow `poll_after_s`. */
  readonly pollIntervalS: Distribution | "server";
  /** Seconds between heartbeats, or `server` to follow `heartbeat_interval_s`. */
  readonly heartbeatIntervalS: Distribution | "server";
  /** Milliseconds from "staged" to "activated". */
  readonly activationDelayMs: Distribution;
  /** Probability an activation fails (the node reports `failed` and keeps its bundle). */
  readonly failureRate: number;
  /** Probability a node turns unhealthy after activating (its heartbeats say so). */
  readonly unhealthyRate: number;
  readonly metrics: readonly MetricsRule[];
  /** Download and verify archives (off: trust offers, for pure control-plane load tests). */
  readonly download: boolean;
  /** Longest backoff after consecutive request failures. */
  readonly maxBackoffMs: number;
  /**
   * Hold a push socket like zentinel-agent (default on): offers are applied the moment they are
   * pushed, and while the socket is healthy polls run at the hello's longer interval.
   */
  readonly push: boolean;
  /**
   * Post telemetry after each heartbeat (default on; `--no-telemetry`): per-service counts,
   * errors, latency histogram and WAF counters agreeing with the heartbeat's drawn metrics.
   */
  readonly telemetry?: boolean;
}

/** Counters of what happened across the fleet. */
export interface FleetCounters {
  activations: number;
  injectedFailures: number;
  injectedUnhealthy: number;
  verifyFailures: number;
  sequenceRefusals: number;
  restarts: number;
}

/** Convergence sample: first offer of a bundle → active on it. */
export interface ConvergenceSample {
  readonly nodeId: string;
  readonly bundleId: string;
  readonly ms: number;
}

/** Shared fleet services a node uses. */
export interface FleetContext {
  readonly behaviour: NodeBehaviour;
  readonly random: Random;
  readonly now: () => number;
  readonly log: Logger;
  readonly counters: FleetCounters;
  /** A pushed offer arrived (propagation measurements). */
  recordPushedOffer?(nodeId: string, offer: BundleOffer): void;
  /** The bundle the scenario rolled out (metrics selector `new`). */
  newBundleId(): string | null;
  recordConvergence(sample: ConvergenceSample): void;
  /** Verification shared by checksum. */
  verify(
    offer: BundleOffer,
    archive: Uint8Array,
    keys: readonly TrustedKey[],
  ): Promise<string | null>;
}

/** Verifies each distinct archive once; later nodes only hash their bytes. */
export class VerifyCache {
  private readonly results = new Map<string, Promise<string | null>>();

  /** Null when the archive is valid for the offer, else the failure reason. */
  async verify(
    offer: BundleOffer,
    archive: Uint8Array,
    keys: readonly TrustedKey[],
  ): Promise<string | null> {
    if ((await sha256Hex(archive)) !== offer.checksum) {
      return "checksum: archive SHA-256 does not match the offer";
    }
    const key = `${offer.checksum}:${offer.bundle_id}`;
    let result = this.results.get(key);
    if (result === undefined) {
      result = verifyBundle({
        archive,
        expectedChecksum: offer.checksum,
        bundleId: offer.bundle_id,
        publicKeys: keys,
      }).then((r) => (r.ok ? null : `${r.step}: ${r.reason}`));
      this.results.set(key, result);
    }
    return result;
  }
}

/** A simulated node. */
export class VirtualNode {
  active: { bundleId: string; sequence: number } | null = null;
  /** The bundle that made this node unhealthy (injected); healthy again on any other bundle. */
  private unhealthyOn: string | null = null;
  online = false;
  private readonly quarantine = new Set<string>();
  private settledOn: string | null = null;
  private readonly firstOfferAt = new Map<string, number>();
  private timers: ReturnType<typeof setTimeout>[] = [];
  /** Bumped on stop so callbacks of an earlier life do nothing. */
  private life = 0;
  private pollFailures = 0;
  private heartbeatFailures = 0;
  /** End of the last reported telemetry interval: the next one starts here (no gaps, no overlap). */
  private telemetryFromMs: number | null = null;
  /** The push channel of the current life (null with push off or while stopped). */
  push: PushChannel | null = null;
  private pushAbort: AbortController | null = null;
  /** Offers are handled one at a time, whether polled or pushed. */
  private offerChain: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly client: NodeClient,
    private readonly keys: readonly TrustedKey[],
    private serverIntervals: { pollS: number; heartbeatS: number },
    private readonly ctx: FleetContext,
  ) {}

  /** Starts polling and heartbeating; the first poll lands at a random point of one interval. */
  start(): void {
    if (this.online) {
      return;
    }
    this.online = true;
    const life = this.life;
    this.schedule(life, this.random01() * this.pollDelayMs(), () => this.pollTick(life));
    this.schedule(life, this.random01() * this.heartbeatDelayMs(), () => this.heartbeatTick(life));
    if (this.ctx.behaviour.push) {
      this.startPush(life);
    }
  }

  private startPush(life: number): void {
    const abort = new AbortController();
    this.pushAbort = abort;
    this.push = new PushChannel({
      target: (signal) => this.client.pushTarget(signal),
      onOffer: (offer) => {
        this.ctx.recordPushedOffer?.(this.client.nodeId, offer);
        void this.serialOffer(offer, life).catch((error: unknown) => {
          this.ctx.log.debug("pushed offer failed", { node: this.name, error: describe(error) });
        });
      },
      // A (re)connect polls once: an offer made while the socket was down arrives now.
      onConnected: () => this.schedule(life, 0, () => this.pollTick(life, false)),
      onUnauthorized: () => this.client.dropToken(),
      log: this.ctx.log,
      random: this.ctx.random,
      capMs: this.ctx.behaviour.maxBackoffMs,
    });
    void this.push.run(abort.signal);
  }

  /** Stops all timers; in-flight requests finish but schedule nothing more. */
  stop(): void {
    this.online = false;
    this.life += 1;
    this.pushAbort?.abort();
    this.pushAbort = null;
    this.push = null;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers = [];
  }

  /** Whether the node's heartbeats report `healthy`. */
  get healthy(): boolean {
    return this.unhealthyOn === null || this.active?.bundleId !== this.unhealthyOn;
  }

  private random01(): number {
    return this.ctx.random();
  }

  private schedule(life: number, delayMs: number, fn: () => Promise<void>): void {
    if (life !== this.life) {
      return;
    }
    const timer = setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== timer);
      void fn();
    }, delayMs);
    this.timers.push(timer);
  }

  private pollDelayMs(): number {
    const pushed = this.push?.pollIntervalS ?? null;
    if (pushed !== null) {
      // Socket healthy: polls are only the safety net (the server's longer interval).
      return pushed * 1000;
    }
    const d = this.ctx.behaviour.pollIntervalS;
    return (
      (d === "server" ? this.serverIntervals.pollS : sampleClamped(d, this.ctx.random, 0.01)) * 1000
    );
  }

  private heartbeatDelayMs(): number {
    const d = this.ctx.behaviour.heartbeatIntervalS;
    return (
      (d === "server" ? this.serverIntervals.heartbeatS : sampleClamped(d, this.ctx.random, 0.01)) *
      1000
    );
  }

  private backoffMs(base: number, failures: number): number {
    return failureDelayMs(base, failures, this.ctx.behaviour.maxBackoffMs, this.ctx.random);
  }

  /** Handles `offer` after any offer being handled (poll and push never apply concurrently). */
  private serialOffer(offer: BundleOffer, life: number): Promise<void> {
    const run = this.offerChain.then(async () => {
      if (this.active?.bundleId === offer.bundle_id && this.settledOn === null) {
        return; // already running it (a poll and a push raced)
      }
      await this.handleOffer(offer, life);
    });
    this.offerChain = run.catch(() => undefined);
    return run;
  }

  private async pollTick(life: number, reschedule = true): Promise<void> {
    let next: number;
    try {
      const ifNoneMatch = this.settledOn ?? this.active?.bundleId ?? null;
      const result = await this.client.poll(ifNoneMatch);
      this.pollFailures = 0;
      if (result.kind === "offer") {
        this.serverIntervals.pollS = result.offer.poll_after_s;
        await this.serialOffer(result.offer, life);
      } else if (result.kind === "no_update") {
        this.serverIntervals.pollS = result.pollAfterS;
        this.settledOn = null;
      }
      next = this.pollDelayMs();
    } catch (error) {
      this.ctx.log.debug("poll failed", { node: this.name, error: describe(error) });
      next = this.backoffMs(this.pollDelayMs(), this.pollFailures++);
    }
    if (reschedule) {
      this.schedule(life, next, () => this.pollTick(life));
    }
  }

  /** Sends a heartbeat now (also right after an activation, so gates see fresh data at once). */
  async heartbeatNow(): Promise<boolean> {
    const dists = resolveMetrics(
      this.ctx.behaviour.metrics,
      this.active?.bundleId ?? null,
      this.ctx.newBundleId(),
    );
    const metrics = drawMetrics(dists, this.ctx.random);
    try {
      const res = await this.client.heartbeat({
        health: { status: this.healthy ? "healthy" : "unhealthy", simulated: true },
        metrics,
        active_bundle_id: this.active?.bundleId ?? null,
        version: "zentinel-simulator",
      });
      this.serverIntervals.heartbeatS = res.heartbeat_interval_s;
      await this.sendTelemetry(metrics);
      return true;
    } catch (error) {
      this.ctx.log.debug("heartbeat failed", { node: this.name, error: describe(error) });
      return false;
    }
  }

  /**
   * Posts the interval since the previous report. The first heartbeat only starts the clock; a
   * failed post is not retried (the next interval starts where the failed one did not).
   */
  private async sendTelemetry(metrics: HeartbeatMetrics): Promise<void> {
    if (this.ctx.behaviour.telemetry === false) {
      return;
    }
    const now = Date.now();
    const from = this.telemetryFromMs;
    this.telemetryFromMs = now;
    if (from === null || now - from < 1000) {
      return;
    }
    try {
      await this.client.telemetry(simulatedTelemetry(metrics, from, (now - from) / 1000));
    } catch (error) {
      this.ctx.log.debug("telemetry failed", { node: this.name, error: describe(error) });
    }
  }

  private async heartbeatTick(life: number): Promise<void> {
    const ok = await this.heartbeatNow();
    this.heartbeatFailures = ok ? 0 : this.heartbeatFailures + 1;
    const next = ok
      ? this.heartbeatDelayMs()
      : this.backoffMs(this.heartbeatDelayMs(), this.heartbeatFailures - 1);
    this.schedule(life, next, () => this.heartbeatTick(life));
  }

  private async refuse(offer: BundleOffer, reason: string): Promise<void> {
    this.quarantine.add(offer.bundle_id);
    await this.client.report(offer.bundle_id, "failed", { error: reason });
    this.settledOn = offer.bundle_id;
  }

  private async handleOffer(offer: BundleOffer, life: number): Promise<void> {
    const id = offer.bundle_id;
    if (this.active?.bundleId === id) {
      await this.client.report(id, "activated", {});
      await this.client.report(id, "verified", {});
      return;
    }
    if (this.quarantine.has(id)) {
      this.settledOn = id;
      return;
    }
    // A different offer lifts earlier quarantines (bundle-format.md).
    this.quarantine.clear();
    if (!this.firstOfferAt.has(id)) {
      this.firstOfferAt.set(id, this.ctx.now());
    }
    const started = this.ctx.now();
    if (this.active !== null && offer.sequence < this.active.sequence && offer.rollback !== true) {
      this.ctx.counters.sequenceRefusals += 1;
      await this.refuse(
        offer,
        `sequence: ${offer.sequence} < running ${this.active.sequence} without rollback`,
      );
      return;
    }
    if (this.ctx.behaviour.download) {
      const archive = await this.client.download(offer, 64 * 1024 * 1024);
      const problem = await this.ctx.verify(offer, archive, this.keys);
      if (problem !== null) {
        this.ctx.counters.verifyFailures += 1;
        await this.refuse(offer, problem);
        return;
      }
    }
    await this.client.report(id, "staged", { duration_ms: Math.round(this.ctx.now() - started) });
    const delay = sampleClamped(this.ctx.behaviour.activationDelayMs, this.ctx.random, 0);
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (life !== this.life) {
      return; // churned away mid-activation: a restarted node re-polls and sees the offer again
    }
    if (this.ctx.random() < this.ctx.behaviour.failureRate) {
      this.ctx.counters.injectedFailures += 1;
      await this.refuse(offer, "simulated activation failure (health check failed, reverted)");
      void this.heartbeatNow();
      return;
    }
    this.active = { bundleId: id, sequence: offer.sequence };
    this.settledOn = null;
    this.ctx.counters.activations += 1;
    if (this.ctx.random() < this.ctx.behaviour.unhealthyRate) {
      this.unhealthyOn = id;
      this.ctx.counters.injectedUnhealthy += 1;
    }
    const duration = Math.round(this.ctx.now() - started);
    await this.client.report(id, "activated", { duration_ms: duration });
    await this.client.report(id, "verified", { duration_ms: duration });
    const first = this.firstOfferAt.get(id) ?? started;
    this.ctx.recordConvergence({
      nodeId: this.client.nodeId,
      bundleId: id,
      ms: this.ctx.now() - first,
    });
    void this.heartbeatNow();
  }
}
