/**
 * zentinel-agent: the process beside a Zentinel proxy that enrolls the node, heartbeats, polls
 * for bundles and applies them (apply.ts). Two loops run independently, so a slow activation
 * never delays heartbeats: the heartbeat loop (health + metrics + what runs) and the poll loop
 * (offer → apply). Both back off with jitter on control-plane errors; nothing they do touches the
 * live config unless a verified bundle is being applied, so an unreachable control plane leaves
 * the proxy serving what it has.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { TrustedKey } from "../../src/bundles/verify";
import { applyOffer, verifyActivation } from "./apply";
import type { ApplyContext, ApplyOutcome } from "./apply-outcome";
import type { Random } from "./backoff";
import { type AgentConfig, type AgentDeps, AgentFatalError } from "./config";
import { BOOTSTRAP_VERSION, ConfigStore } from "./config-store";
import { enroll } from "./enroll";
import { describe, HttpClient } from "./http";
import { type BundleOffer, type HeartbeatResponse, NodeClient, type PollResult } from "./protocol";
import { LocalProxy } from "./proxy";
import { PushChannel } from "./push";
import { isCredentialsRejected, runLoop } from "./run-loop";
import { SideReports } from "./side-reports";
import { type Identity, type RuntimeState, StateStore } from "./state";
import { Telemetry } from "./telemetry";
import { TelemetryOutbox } from "./telemetry-outbox";
import { pinPublishedKeys, trustedKeys } from "./trusted-keys";
import { AGENT_VERSION } from "./version";
import { Waker } from "./waker";

export { type AgentConfig, type AgentDeps, AgentFatalError } from "./config";

/** What one `--once` cycle did. */
export interface CycleReport {
  readonly heartbeatError: string | null;
  readonly pollError: string | null;
  readonly poll: PollResult["kind"] | null;
  readonly outcome: ApplyOutcome | null;
}

/** One running agent. Create with {@link Agent.start}. */
export class Agent {
  readonly configs: ConfigStore;
  readonly client: NodeClient;
  private readonly proxy: LocalProxy;
  private readonly telemetry: Telemetry;
  private readonly now: () => number;
  private readonly random: Random;
  private readonly heartbeatWaker = new Waker();
  private readonly reports: SideReports;
  /** A bundle id the agent refused and reported: sent as If-None-Match so the server can 304. */
  private settledOn: string | null = null;
  private pollIntervalS: number;
  private heartbeatIntervalS: number;
  private applying: Promise<unknown> = Promise.resolve();
  /** The push channel while `run` runs with push enabled. */
  private push: PushChannel | null = null;

  private constructor(
    private readonly config: AgentConfig,
    private readonly deps: AgentDeps,
    private readonly store: StateStore,
    readonly identity: Identity,
    readonly runtime: RuntimeState,
    http: HttpClient,
  ) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.configs = new ConfigStore(config.configDir ?? join(config.stateDir, "config"));
    this.client = new NodeClient({
      http,
      credentials: { nodeId: identity.node_id, nodeKey: identity.node_key },
      auth: config.auth,
      now: this.now,
      random: this.random,
      onTokenError: (error) =>
        deps.log.warn("token refresh failed; using the static node key", {
          error: describe(error),
        }),
    });
    this.proxy = new LocalProxy({
      reload: config.reload,
      healthUrl: config.healthUrl,
      configPath: this.configs.entryPath,
      fetch: deps.fetch,
    });
    this.telemetry = new Telemetry({
      metricsUrl: config.metricsUrl,
      names: config.promNames,
      timeoutMs: config.requestTimeoutMs,
      log: deps.log,
      fetch: deps.fetch,
      now: this.now,
      onReport: (report) => this.reports.telemetry.enqueue(report),
    });
    const outbox = new TelemetryOutbox({
      send: (body, signal) => this.client.telemetry(body, signal),
      log: deps.log,
      now: this.now,
      random: this.random,
    });
    this.reports = new SideReports(this.client, this.configs, deps.log, outbox);
    this.pollIntervalS = identity.poll_interval_s;
    this.heartbeatIntervalS = identity.heartbeat_interval_s;
  }

  /** Opens the state directory, enrolls when there is no identity yet, prepares the config dir. */
  static async start(config: AgentConfig, deps: AgentDeps): Promise<Agent> {
    const store = new StateStore(config.stateDir);
    await store.init();
    const http = new HttpClient({
      baseUrl: config.url,
      userAgent: `zentinel-agent/${AGENT_VERSION}`,
      timeoutMs: config.requestTimeoutMs,
      maxAttempts: config.http?.maxAttempts,
      backoff: config.http?.backoff,
      fetch: deps.fetch,
      random: deps.random,
    });
    let identity = await store.loadIdentity();
    if (identity === null) {
      identity = await enroll(config, deps, http);
      await store.saveIdentity(identity);
      deps.log.info("enrolled", {
        node_id: identity.node_id,
        name: identity.name,
        project: identity.project,
      });
    } else if (config.project !== undefined && config.project !== identity.project) {
      throw new AgentFatalError(
        "state",
        `${config.stateDir} belongs to project ${identity.project}, not ${config.project}; use another --state-dir`,
      );
    }
    const agent = new Agent(config, deps, store, identity, await store.loadRuntime(), http);
    await agent.configs.init(config.bootstrapConfig);
    agent.reports.queue({
      event_type: "startup",
      message: `zentinel-agent ${AGENT_VERSION} started`,
    });
    return agent;
  }

  /** Keys bundles must be signed with: pinned at registration plus operator-supplied ones. */
  get trustedKeys(): TrustedKey[] {
    return trustedKeys(this.identity, this.config.extraSigningKeys);
  }

  private applyContext(signal?: AbortSignal): ApplyContext {
    return {
      client: this.client,
      configs: this.configs,
      proxy: this.proxy,
      runtime: this.runtime,
      persist: () => this.store.saveRuntime(this.runtime),
      trustedKeys: this.trustedKeys,
      refreshTrustedKeys: async () => {
        await pinPublishedKeys(this.client, this.identity, this.store, signal);
        return this.trustedKeys;
      },
      validateArgv: this.config.validateArgv,
      validateTimeoutMs: this.config.validateTimeoutMs,
      healthWait: this.config.health,
      maxBundleBytes: this.config.maxBundleBytes,
      secretsDir: join(this.config.stateDir, "secrets"),
      log: this.deps.log,
      now: this.now,
      event: (event) => this.reports.queue(event),
      onLiveChanged: async () => {
        this.reports.configChanged();
        await this.telemetry.rebase();
      },
      signal,
    };
  }

  /**
   * Brings the live config in line with the state file after a restart: a live link the state
   * does not know about is switched back to the recorded bundle, and a bundle that was switched
   * but never verified is health-checked now (and reverted if unhealthy).
   */
  async resume(signal?: AbortSignal): Promise<ApplyOutcome | null> {
    const expected = this.runtime.active?.bundle_id ?? BOOTSTRAP_VERSION;
    const live = await this.configs.liveVersion();
    if (live !== expected) {
      this.deps.log.warn("live config differs from the recorded one; switching back", {
        live,
        expected,
      });
      await this.configs.switchTo(expected);
      await this.proxy.reload();
      this.reports.configChanged();
    }
    const active = this.runtime.active;
    if (active === null || active.verified) {
      return null;
    }
    this.deps.log.warn("resuming the health check of an unverified bundle", {
      bundle_id: active.bundle_id,
    });
    const previous = this.runtime.previous;
    return verifyActivation(this.applyContext(signal), active, this.now(), {
      version: previous?.bundle_id ?? BOOTSTRAP_VERSION,
      active: previous,
      previous: null,
    });
  }

  /** Sends one heartbeat, then queued events and a pending config report. */
  async heartbeat(signal?: AbortSignal): Promise<HeartbeatResponse> {
    const [health, metrics] = await Promise.all([this.proxy.health(), this.telemetry.collect()]);
    const res = await this.client.heartbeat(
      {
        health: { status: health.status, detail: health.detail },
        metrics,
        active_bundle_id: this.runtime.active?.bundle_id ?? null,
        version: `zentinel-agent/${AGENT_VERSION}`,
        hostname: hostname(),
        metadata: {
          agent_version: AGENT_VERSION,
          config_path: this.configs.entryPath,
          auth: this.config.auth,
        },
      },
      signal,
    );
    this.heartbeatIntervalS = res.heartbeat_interval_s;
    await this.reports.flush(signal);
    return res;
  }

  /** Polls once and applies an offer if there is one. */
  poll(signal?: AbortSignal): Promise<{ result: PollResult; outcome: ApplyOutcome | null }> {
    return this.exclusive(async () => {
      const ifNoneMatch = this.settledOn ?? this.runtime.active?.bundle_id ?? null;
      const result = await this.client.poll(ifNoneMatch, signal);
      if (result.kind === "no_update") {
        this.pollIntervalS = result.pollAfterS;
        this.settledOn = null;
        return { result, outcome: null };
      }
      if (result.kind === "not_modified") {
        return { result, outcome: null };
      }
      this.pollIntervalS = result.offer.poll_after_s;
      return { result, outcome: await this.applyOffered(result.offer, signal) };
    });
  }

  /**
   * Applies an offer that arrived on the push channel exactly like a polled one. An offer of
   * the bundle already running, or of one this agent refused and reported, is ignored.
   */
  applyPushed(offer: BundleOffer, signal?: AbortSignal): Promise<ApplyOutcome | null> {
    return this.exclusive(async () => {
      if (
        offer.bundle_id === this.runtime.active?.bundle_id ||
        offer.bundle_id === this.settledOn
      ) {
        return null;
      }
      return this.applyOffered(offer, signal);
    });
  }

  /** Polls and pushed offers apply one at a time (both change the running bundle). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.applying.then(fn);
    this.applying = run.catch(() => undefined);
    return run;
  }

  /** Applies an offer; a switch or failure triggers an immediate heartbeat (fresh gate data). */
  private async applyOffered(offer: BundleOffer, signal?: AbortSignal): Promise<ApplyOutcome> {
    const outcome = await applyOffer(this.applyContext(signal), offer);
    const refused = outcome.kind === "failed" || outcome.kind === "quarantined";
    const reported =
      this.runtime.quarantine.find((q) => q.bundle_id === outcome.bundleId)?.reported === true;
    this.settledOn = refused && reported ? outcome.bundleId : null;
    if (outcome.kind === "activated" || outcome.kind === "failed") {
      this.heartbeatWaker.wake();
    }
    return outcome;
  }

  /** One enroll/heartbeat/poll/apply cycle (`--once`). Credential rejection throws. */
  async runOnce(signal?: AbortSignal): Promise<CycleReport> {
    await this.resume(signal);
    let heartbeatError: string | null = null;
    try {
      await this.heartbeat(signal);
    } catch (error) {
      if (isCredentialsRejected(error)) {
        throw new AgentFatalError("credentials", `node credentials rejected: ${describe(error)}`);
      }
      heartbeatError = describe(error);
    }
    let pollError: string | null = null;
    let poll: PollResult["kind"] | null = null;
    let outcome: ApplyOutcome | null = null;
    try {
      const cycle = await this.poll(signal);
      poll = cycle.result.kind;
      outcome = cycle.outcome;
    } catch (error) {
      if (isCredentialsRejected(error)) {
        throw new AgentFatalError("credentials", `node credentials rejected: ${describe(error)}`);
      }
      pollError = describe(error);
    }
    if (outcome !== null && heartbeatError === null) {
      try {
        await this.heartbeat(signal);
      } catch (error) {
        heartbeatError = describe(error);
      }
    }
    return { heartbeatError, pollError, poll, outcome };
  }

  /**
   * Runs both loops until `signal` aborts (resolves) or the control plane rejects the node's
   * credentials (throws {@link AgentFatalError}).
   */
  async run(signal: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    let fatal: unknown = null;
    const loop = (
      name: string,
      work: () => Promise<unknown>,
      intervalS: () => number,
      wait: Waker,
    ) =>
      runLoop({
        name,
        work,
        intervalS,
        wait,
        signal: both,
        stop,
        onFatal: (error) => {
          fatal = error;
        },
        failureBackoffCapMs: this.config.failureBackoffCapMs,
        random: this.random,
        log: this.deps.log,
      });
    await this.resume(both).catch((error: unknown) => {
      this.deps.log.error("resume failed", { error: describe(error) });
    });
    const pollWaker = new Waker();
    const push = this.config.push === false ? null : this.pushChannel(both, pollWaker);
    this.push = push;
    await Promise.all([
      push?.run(both),
      loop(
        "heartbeat",
        () => this.heartbeat(both),
        () => this.config.heartbeatIntervalS ?? this.heartbeatIntervalS,
        this.heartbeatWaker,
      ),
      loop(
        "poll",
        () => this.poll(both),
        // While the socket is healthy polls are only the safety net: the hello's longer interval.
        () => this.config.pollIntervalS ?? push?.pollIntervalS ?? this.pollIntervalS,
        pollWaker,
      ),
    ]);
    this.push = null;
    if (fatal !== null) {
      throw new AgentFatalError("credentials", `node credentials rejected: ${describe(fatal)}`);
    }
  }

  /** Whether the push channel is connected (status output, tests). */
  get pushHealthy(): boolean {
    return this.push?.healthy === true;
  }

  private pushChannel(signal: AbortSignal, pollWaker: Waker): PushChannel {
    return new PushChannel({
      target: (s) => this.client.pushTarget(s),
      onOffer: (offer) => {
        this.applyPushed(offer, signal).catch((error: unknown) => {
          this.deps.log.warn("applying a pushed offer failed; the next poll retries", {
            error: describe(error),
          });
        });
      },
      // Poll once per (re)connect: an offer made while the socket was down is picked up now.
      onConnected: () => pollWaker.wake(),
      onUnauthorized: () => this.client.dropToken(),
      log: this.deps.log.child({ component: "push" }),
      random: this.random,
      now: this.now,
    });
  }

  /** Best-effort `shutdown` event on the way out. */
  async shutdown(): Promise<void> {
    await this.reports.sendFinal({ event_type: "shutdown", message: "zentinel-agent stopping" });
  }
}
