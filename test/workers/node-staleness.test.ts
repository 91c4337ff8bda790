import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { nodeKeyHeaders, nodeRow, registerNode } from "./fixtures";
import { call, createTenant } from "./harness";
import { flushNodeShard } from "./shards";

const OFFLINE_AFTER_MS = 120_000;

async function runCron(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "* * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const offlineEvents = async (projectId: string) =>
  (
    await env.DB.prepare(
      "SELECT resource_id FROM events WHERE project_id = ? AND type = 'node.offline'",
    )
      .bind(projectId)
      .all<{ resource_id: string }>()
  ).results.map((r) => r.resource_id);

describe("staleness cron", () => {
  it("marks silent nodes offline with a node.offline event; a heartbeat brings them back", async () => {
    const t = await createTenant();
    const stale = await registerNode(t);
    const fresh = await registerNode(t);
    const revoked = await registerNode(t);
    const now = Date.now();
    await env.DB.prepare("UPDATE nodes SET last_seen_at = ? WHERE id IN (?, ?)")
      .bind(now - OFFLINE_AFTER_MS - 5_000, stale.nodeId, revoked.nodeId)
      .run();
    await call("DELETE", `/api/v1/projects/${t.slug}/nodes/${revoked.nodeId}`, { key: t.adminKey });

    await runCron(now);
    expect((await nodeRow(stale.nodeId))?.status).toBe("offline");
    expect((await nodeRow(fresh.nodeId))?.status).toBe("online");
    expect((await nodeRow(revoked.nodeId))?.status).toBe("online");
    expect(await offlineEvents(t.projectId)).toEqual([stale.nodeId]);

    // Idempotent: a second run neither re-marks nor re-announces.
    await runCron(now + 1_000);
    expect(await offlineEvents(t.projectId)).toEqual([stale.nodeId]);

    const hb = await call("POST", `/api/v1/nodes/${stale.nodeId}/heartbeat`, {
      headers: nodeKeyHeaders(stale.nodeKey),
      body: {},
    });
    expect(hb.status).toBe(200);
    await flushNodeShard(t.projectId, stale.nodeId);
    expect((await nodeRow(stale.nodeId))?.status).toBe("online");
    await expect
      .poll(async () =>
        env.DB.prepare(
          "SELECT COUNT(*) AS n FROM events WHERE project_id = ? AND type = 'node.online' AND resource_id = ?",
        )
          .bind(t.projectId, stale.nodeId)
          .first<{ n: number }>(),
      )
      .toEqual({ n: 1 });
    const listed = await call("GET", `/api/v1/projects/${t.slug}/nodes?status=offline`, {
      key: t.adminKey,
    });
    expect(listed.body.items).toEqual([]);
  });
});
