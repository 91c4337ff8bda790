/**
 * Simulated nodes for the rollout integration tests. Every interaction goes through the real
 * node HTTP API (register with an enrollment token, heartbeat, poll, report); time is the
 * shared fake clock (`vi.setSystemTime`), which the routes and RolloutDO both read, and ticks
 * are driven with `runDurableObjectAlarm`.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { RolloutDO } from "../../durable-objects/rollout-do";
import { sha256Hex } from "../../src/auth/crypto";
import type { Rollout } from "../../src/domain/rollout";
import {
  createCompiledBundle,
  createEnrollmentToken,
  nodeKeyHeaders,
  type TestBundle,
} from "./fixtures";
import { call, createTenant, type Tenant } from "./harness";

/** Fake-clock start: far ahead of the real clock, so no real alarm ever fires during a test. */
const CLOCK_AHEAD_MS = 30 * 24 * 3600 * 1000;

/** Heartbeat metrics a node sends. */
export interface Metrics {
  error_rate?: number;
  latency_p99_ms?: number;
  cpu_percent?: number;
  memory_percent?: number;
  request_count?: number;
  error_count?: number;
}

/** An offer from GET …/bundles/latest. */
export interface Offer {
  bundle_id: string;
  rollout_id: string | null;
  rollback: boolean;
  sequence: number;
  checksum: string;
}

/** What a node does with an offer of `bundleId`. */
export type Reaction = "activate" | "fail" | "ignore";

/** Request counts of one telemetry interval (POST …/telemetry, service `api`). */
export interface Traffic {
  requests: number;
  errors_5xx: number;
}

/** Per-node behaviour; defaults: activate everything, healthy, quiet metrics, no telemetry. */
export interface Behaviour {
  react: (bundleId: string, offer: Offer) => Reaction;
  health: (activeBundleId: string | null) => "healthy" | "degraded" | "unhealthy";
  metrics: (activeBundleId: string | null) => Metrics;
  /** Telemetry sent after each heartbeat; absent: the node sends none. */
  telemetry?: (activeBundleId: string | null) => Traffic;
}

const DEFAULT_BEHAVIOUR: Behaviour = {
  react: () => "activate",
  health: () => "healthy",
  metrics: () => ({ error_rate: 0.1, latency_p99_ms: 40, request_count: 1000, error_count: 1 }),
};

/** A node driven through the node API. */
export class SimNode {
  active: string | null = null;
  /** Every offer this node received, in order. */
  readonly offers: Offer[] = [];
  behaviour: Behaviour = DEFAULT_BEHAVIOUR;

  constructor(
    readonly id: string,
    readonly key: string,
    readonly name: string,
  ) {}

  private headers() {
    return nodeKeyHeaders(this.key);
  }

  /** POST …/heartbeat with health, metrics and the active bundle. */
  async heartbeat(): Promise<void> {
    const res = await call("POST", `/api/v1/nodes/${this.id}/heartbeat`, {
      headers: this.headers(),
      body: {
        health: { status: this.behaviour.health(this.active) },
        metrics: this.behaviour.metrics(this.active),
        active_bundle_id: this.active,
      },
    });
    expect(res.status, res.text).toBe(200);
  }

  /** POST …/telemetry for the interval that ends now, under the bundle the node runs. */
  async telemetry(traffic: Traffic): Promise<void> {
    const now = Date.now();
    const latency = new Array<number>(12).fill(0);
    latency[3] = traffic.requests;
    const res = await call("POST", `/api/v1/nodes/${this.id}/telemetry`, {
      headers: this.headers(),
      body: {
        interval_start: new Date(now - 1).toISOString(),
        interval_seconds: 30,
        bundle_id: this.active,
        services: [
          {
            service: "api",
            requests: traffic.requests,
            errors_5xx: traffic.errors_5xx,
            latency_buckets: latency,
          },
        ],
      },
    });
    expect(res.status, res.text).toBe(200);
  }

  /** GET …/bundles/latest; the offer, or null for no update. */
  async poll(): Promise<Offer | null> {
    const res = await call<Offer & { no_update?: boolean }>(
      "GET",
      `/api/v1/nodes/${this.id}/bundles/latest`,
      { headers: this.headers() },
    );
    expect(res.status, res.text).toBe(200);
    if (res.body.no_update) {
      return null;
    }
    this.offers.push(res.body);
    return res.body;
  }

  /** POST …/bundles/{id}/{kind}. */
  async report(bundleId: string, kind: "activated" | "failed", error?: string): Promise<void> {
    const res = await call("POST", `/api/v1/nodes/${this.id}/bundles/${bundleId}/${kind}`, {
      headers: this.headers(),
      body: error ? { error } : {},
    });
    expect(res.status, res.text).toBe(200);
  }

  /** GET …/bundles/{id}/download; checks the bytes against the offer's checksum. */
  async download(offer: Offer): Promise<void> {
    const res = await exports.default.fetch(
      new Request(`http://zcp.test/api/v1/nodes/${this.id}/bundles/${offer.bundle_id}/download`, {
        headers: this.headers(),
      }),
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(await sha256Hex(bytes)).toBe(offer.checksum);
  }

  /** One agent cycle: poll, act on an offer (download, activate or fail), heartbeat. */
  async cycle(): Promise<void> {
    const offer = await this.poll();
    if (offer) {
      const reaction = this.behaviour.react(offer.bundle_id, offer);
      if (reaction === "activate") {
        await this.download(offer);
        this.active = offer.bundle_id;
        await this.report(offer.bundle_id, "activated");
      } else if (reaction === "fail") {
        await this.report(offer.bundle_id, "failed", "zentinel validate: exit 1");
      }
    }
    await this.heartbeat();
    const traffic = this.behaviour.telemetry?.(this.active);
    if (traffic) {
      await this.telemetry(traffic);
    }
  }
}

/** A tenant with simulated nodes and a bundle they already run. */
export interface Fleet {
  tenant: Tenant;
  nodes: SimNode[];
  /** The bundle every node runs at the start (installed by a first rollout). */
  base: TestBundle;
}

/** Moves the shared fake clock forward. */
export function advance(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

/** Starts the fake clock (call in beforeEach; `vi.useRealTimers()` in afterEach). */
export function startClock(): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + CLOCK_AHEAD_MS);
}

/** The rollout's Durable Object stub. */
export function rolloutStub(id: string) {
  return env.ROLLOUTS.get(env.ROLLOUTS.idFromName(id));
}

/** The rollout's full stored state (parsed debug view). */
export async function storedRollout(id: string): Promise<Rollout> {
  const json = await runInDurableObject(rolloutStub(id), async (instance: RolloutDO) => {
    return (await instance.getState()).rolloutJson;
  });
  if (json === null) {
    throw new Error(`rollout ${id} has no state`);
  }
  return JSON.parse(json) as Rollout;
}

/** GET …/rollouts/{id} (the body, loosely typed like every test response). */
export async function getRollout(tenant: Tenant, id: string): Promise<any> {
  const res = await call("GET", `/api/v1/projects/${tenant.slug}/rollouts/${id}`, {
    key: tenant.adminKey,
  });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** POST …/rollouts; asserts 201 and returns the body. */
export async function createRolloutOk(
  tenant: Tenant,
  body: Record<string, unknown>,
  key = tenant.adminKey,
) {
  const res = await call("POST", `/api/v1/projects/${tenant.slug}/rollouts`, { key, body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/**
 * One round: time moves `stepMs`, every node runs an agent cycle, then the rollout's alarm
 * runs (if armed).
 */
export async function round(fleet: Pick<Fleet, "nodes">, rolloutId: string, stepMs = 5_000) {
  advance(stepMs);
  for (const node of fleet.nodes) {
    await node.cycle();
  }
  await runDurableObjectAlarm(rolloutStub(rolloutId));
}

/** Rounds until the rollout reaches one of `states` (fails after `maxRounds`). */
export async function driveUntil(
  fleet: Fleet,
  rolloutId: string,
  states: readonly string[],
  maxRounds = 60,
  stepMs = 5_000,
): Promise<any> {
  for (let i = 0; i < maxRounds; i += 1) {
    await round(fleet, rolloutId, stepMs);
    const view = await getRollout(fleet.tenant, rolloutId);
    if (states.includes(view.state)) {
      return view;
    }
  }
  const view = await getRollout(fleet.tenant, rolloutId);
  throw new Error(`rollout did not reach ${states.join("|")}: ${JSON.stringify(view)}`);
}

/**
 * A tenant with `n` registered nodes (labels `idx: i`, `group: a|b` alternating) that all run
 * a base bundle, installed through a first all-at-once rollout.
 */
export async function createFleet(n: number): Promise<Fleet> {
  const tenant = await createTenant();
  const { token } = await createEnrollmentToken(tenant.projectId);
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i += 1) {
    const name = `sim-${String(i).padStart(3, "0")}`;
    const res = await call<{ node_id: string; node_key: string }>(
      "POST",
      `/api/v1/projects/${tenant.slug}/nodes/register`,
      {
        headers: { "x-zentinel-enrollment-token": token },
        body: { name, labels: { group: i % 2 === 0 ? "a" : "b" } },
      },
    );
    expect(res.status, res.text).toBe(201);
    const node = new SimNode(res.body.node_id, res.body.node_key, name);
    await node.heartbeat();
    nodes.push(node);
  }
  const base = await createCompiledBundle(tenant, { version: "base" });
  const fleet = { tenant, nodes, base };
  const rollout = await createRolloutOk(tenant, {
    bundle_id: base.bundleId,
    target_selector: { type: "all" },
    strategy: "all_at_once",
  });
  await driveUntil(fleet, rollout.id, ["completed"]);
  return fleet;
}

/** A new compiled bundle of the fleet's project. */
export function newBundle(fleet: Fleet, version = "next"): Promise<TestBundle> {
  return createCompiledBundle(fleet.tenant, { version });
}

/** Rows of rollout_nodes (assertions). */
export async function rolloutNodeRows(rolloutId: string) {
  const { results } = await env.DB.prepare(
    "SELECT node_id, step_index, state, previous_bundle_id, error FROM rollout_nodes WHERE rollout_id = ?",
  )
    .bind(rolloutId)
    .all<{
      node_id: string;
      step_index: number;
      state: string;
      previous_bundle_id: string | null;
      error: string | null;
    }>();
  return results;
}
