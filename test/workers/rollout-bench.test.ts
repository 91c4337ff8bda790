/**
 * Cost of a rollout tick in workerd: a 10,000-node rolling rollout with 500-node steps. Node
 * rows and heartbeats are fixtures written straight to D1 (registering 10,000 nodes through
 * the API would measure registration); the rollout is created through the real route and
 * ticked through its Durable Object's alarm. Asserts that a tick's D1 statements follow the
 * step size, not the fleet (same counts for a 1,000-node fleet), and prints the figures as one
 * `ROLLOUT_TICK_BENCH {json}` line, which scripts/bench/rollout-tick.ts collects.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RolloutDO } from "../../durable-objects/rollout-do";
import { planRollout, resolveRolloutSpec } from "../../src/domain/rollout";
import type { TickStats } from "../../src/rpc/rollout";
import { createCompiledBundle } from "./fixtures";
import { call, createTenant, type Tenant } from "./harness";
import { advance, rolloutStub, startClock } from "./rollout-sim";

/** Nodes per fixture insert statement (one JSON parameter). */
const FIXTURE_ROWS_PER_STATEMENT = 2_000;
const STEP_NODES = 500;

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

/** Inserts `n` online nodes running `bundleId`, each with a fresh healthy heartbeat. */
async function insertFleet(tenant: Tenant, n: number, bundleId: string): Promise<string[]> {
  const ids = Array.from({ length: n }, () => crypto.randomUUID());
  const now = Date.now();
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < n; i += FIXTURE_ROWS_PER_STATEMENT) {
    const rows = ids
      .slice(i, i + FIXTURE_ROWS_PER_STATEMENT)
      .map((id, k) => [id, `bench-${String(i + k).padStart(5, "0")}`]);
    statements.push(
      env.DB.prepare(
        `INSERT INTO nodes (id, project_id, name, key_hash, status, registered_at, last_seen_at,
           last_heartbeat_at, active_bundle_id, desired_bundle_id, health, metrics)
         SELECT json_extract(value, '$[0]'), ?, json_extract(value, '$[1]'),
           'bench-' || json_extract(value, '$[0]'), 'online', ?, ?, ?, ?, ?,
           '{"status":"healthy"}', '{"error_rate":0.1,"latency_p99_ms":40}'
         FROM json_each(?)`,
      ).bind(tenant.projectId, now, now, now, bundleId, bundleId, JSON.stringify(rows)),
    );
  }
  await env.DB.batch(statements);
  await heartbeats(tenant, ids, bundleId);
  return ids;
}

/** One heartbeat history row per node, now, reporting `bundleId` active and healthy. */
async function heartbeats(tenant: Tenant, ids: readonly string[], bundleId: string) {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += FIXTURE_ROWS_PER_STATEMENT) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO node_heartbeats (node_id, project_id, health, metrics, active_bundle_id, created_at)
         SELECT value, ?, '{"status":"healthy"}', '{"error_rate":0.1,"latency_p99_ms":40}', ?, ?
         FROM json_each(?)`,
      ).bind(
        tenant.projectId,
        bundleId,
        Date.now(),
        JSON.stringify(ids.slice(i, i + FIXTURE_ROWS_PER_STATEMENT)),
      ),
    );
  }
  await env.DB.batch(statements);
}

const lastTick = (id: string) =>
  runInDurableObject(
    rolloutStub(id),
    async (instance: RolloutDO) => (await instance.getState()).lastTick,
  );

interface FleetRun {
  fleetNodes: number;
  createMs: number;
  assign: TickStats;
  idle: TickStats;
  evaluate: TickStats;
}

/** Creates a rolling rollout over `n` nodes and measures its first three ticks. */
async function runFleet(n: number): Promise<FleetRun> {
  const tenant = await createTenant();
  const base = await createCompiledBundle(tenant, { version: "base" });
  const next = await createCompiledBundle(tenant, { version: "next" });
  const ids = await insertFleet(tenant, n, base.bundleId);
  const startedAt = performance.now();
  const created = await call("POST", `/api/v1/projects/${tenant.slug}/rollouts`, {
    key: tenant.adminKey,
    body: { bundle_id: next.bundleId, target_selector: { type: "all" }, batch_size: STEP_NODES },
  });
  const createMs = performance.now() - startedAt;
  expect(created.status, created.text).toBe(201);
  expect(created.body.step_count).toBe(n / STEP_NODES);
  const id = created.body.id as string;
  const stub = rolloutStub(id);
  // Tick 1 assigns step 0.
  expect(await runDurableObjectAlarm(stub)).toBe(true);
  const assign = await lastTick(id);
  // Tick 2: nothing reported yet (the steady state of a deploying step).
  advance(5_000);
  await runDurableObjectAlarm(stub);
  const idle = await lastTick(id);
  // Tick 3: every node of step 0 reports the bundle active and healthy; the step completes.
  advance(5_000);
  const { results } = await env.DB.prepare(
    "SELECT node_id FROM rollout_nodes WHERE rollout_id = ? AND step_index = 0",
  )
    .bind(id)
    .all<{ node_id: string }>();
  expect(results).toHaveLength(STEP_NODES);
  await heartbeats(
    tenant,
    results.map((r) => r.node_id),
    next.bundleId,
  );
  advance(1_000);
  await runDurableObjectAlarm(stub);
  const evaluate = await lastTick(id);
  const state = await runInDurableObject(stub, (instance: RolloutDO) => instance.getState());
  expect(state.stepIndex).toBe(1);
  expect(ids).toHaveLength(n);
  if (!assign || !idle || !evaluate) {
    throw new Error("a tick recorded no stats");
  }
  return { fleetNodes: n, createMs, assign, idle, evaluate };
}

describe("rollout tick cost", () => {
  it("a 500-node step of a 10,000-node rollout costs what it costs in a 1,000-node one", async () => {
    const specStart = performance.now();
    const candidates = Array.from({ length: 10_000 }, (_, i) => ({
      id: `n${i}`,
      name: `node-${String(i).padStart(5, "0")}`,
      activeBundleId: "a",
      desiredBundleId: "a",
    }));
    const plan = planRollout({
      rolloutSpec: resolveRolloutSpec({ batch_size: STEP_NODES }),
      candidateNodes: candidates,
      nodesInOtherActiveRollouts: new Set(),
      bundleId: "b",
    });
    const planMs = performance.now() - specStart;
    expect(plan.ok && plan.steps.length).toBe(20);

    const large = await runFleet(10_000);
    const small = await runFleet(1_000);
    for (const phase of ["assign", "idle", "evaluate"] as const) {
      expect(large[phase].readStatements).toBe(small[phase].readStatements);
      expect(large[phase].writeStatements).toBe(small[phase].writeStatements);
      expect(large[phase].observedNodes).toBe(STEP_NODES);
    }
    const result = {
      fleet_nodes: large.fleetNodes,
      step_nodes: STEP_NODES,
      plan_ms: round(planMs),
      create_route_ms: round(large.createMs),
      ticks: Object.fromEntries(
        (["assign", "idle", "evaluate"] as const).map((phase) => [
          phase,
          {
            reduce_ms: round(large[phase].reduceMs),
            total_ms: round(large[phase].totalMs),
            d1_read_statements: large[phase].readStatements,
            d1_write_statements: large[phase].writeStatements,
            d1_statements_1k_fleet: small[phase].readStatements + small[phase].writeStatements,
          },
        ]),
      ),
    };
    console.log(`ROLLOUT_TICK_BENCH ${JSON.stringify(result)}`);
  }, 120_000);
});

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
