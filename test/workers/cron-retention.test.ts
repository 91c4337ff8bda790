import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  DELIVERY_RETENTION_MS,
  EVENT_RETENTION_MS,
  HEARTBEAT_MAX_AGE_MS,
  NODE_EVENT_RETENTION_MS,
} from "../../src/jobs/tasks/retention";
import { runCron } from "./cron-helpers";
import { registerNode } from "./fixtures";
import { createTenant, createUser } from "./harness";
import { insertChannel, insertDelivery, insertEvent } from "./notify-helpers";

const HOUR_MS = 60 * 60 * 1000;
const KEEP = Number(env.HEARTBEAT_HISTORY_PER_NODE ?? 100);

async function insertHeartbeats(nodeId: string, projectId: string, times: number[]) {
  await env.DB.batch(
    times.map((t) =>
      env.DB.prepare(
        "INSERT INTO node_heartbeats (node_id, project_id, created_at) VALUES (?, ?, ?)",
      ).bind(nodeId, projectId, t),
    ),
  );
}

const heartbeatTimes = async (nodeId: string) =>
  (
    await env.DB.prepare(
      "SELECT created_at FROM node_heartbeats WHERE node_id = ? ORDER BY created_at",
    )
      .bind(nodeId)
      .all<{ created_at: number }>()
  ).results.map((r) => r.created_at);

const ids = async (sql: string, projectId: string) =>
  (await env.DB.prepare(sql).bind(projectId).all<{ id: string }>()).results.map((r) => r.id);

describe("retention cron", () => {
  it("keeps the newest HEARTBEAT_HISTORY_PER_NODE heartbeats per node and none older than 7 days", async () => {
    const t = await createTenant();
    const busy = await registerNode(t);
    const quiet = await registerNode(t);
    const now = Date.now();
    const busyTimes = Array.from({ length: KEEP + 30 }, (_, i) => now - (KEEP + 30 - i) * 30_000);
    await insertHeartbeats(busy.nodeId, t.projectId, busyTimes);
    const quietTimes = [now - HEARTBEAT_MAX_AGE_MS - HOUR_MS, now - HEARTBEAT_MAX_AGE_MS + HOUR_MS];
    await insertHeartbeats(quiet.nodeId, t.projectId, quietTimes);
    // Registration may have written history rows of its own: they are the newest, so account for them.
    const busyBefore = await heartbeatTimes(busy.nodeId);
    const quietBefore = await heartbeatTimes(quiet.nodeId);
    expect(busyBefore.length).toBeGreaterThan(KEEP);

    await runCron(now);

    expect(await heartbeatTimes(busy.nodeId)).toEqual(busyBefore.slice(-KEEP));
    expect(await heartbeatTimes(quiet.nodeId)).toEqual(
      quietBefore.filter((x) => x !== quietTimes[0]),
    );
    expect(await heartbeatTimes(quiet.nodeId)).toContain(quietTimes[1]);
  });

  it("deletes events after 90 days, node events and deliveries after 30, resolved drift after 90", async () => {
    const t = await createTenant();
    const now = Date.now();
    const oldEvent = await insertEvent(t.projectId, "a.old");
    const newEvent = await insertEvent(t.projectId, "a.new");
    await env.DB.batch([
      env.DB.prepare("UPDATE events SET created_at = ? WHERE id = ?").bind(
        now - EVENT_RETENTION_MS - HOUR_MS,
        oldEvent,
      ),
      env.DB.prepare("UPDATE events SET created_at = ? WHERE id = ?").bind(
        now - EVENT_RETENTION_MS + HOUR_MS,
        newEvent,
      ),
    ]);
    const node = await registerNode(t);
    const nodeEvent = (id: string, at: number) =>
      env.DB.prepare(
        `INSERT INTO node_events (id, node_id, project_id, event_type, severity, message, created_at)
         VALUES (?, ?, ?, 'info', 'info', 'm', ?)`,
      ).bind(id, node.nodeId, t.projectId, at);
    const [oldNodeEvent, newNodeEvent] = [crypto.randomUUID(), crypto.randomUUID()];
    await env.DB.batch([
      nodeEvent(oldNodeEvent, now - NODE_EVENT_RETENTION_MS - HOUR_MS),
      nodeEvent(newNodeEvent, now - NODE_EVENT_RETENTION_MS + HOUR_MS),
    ]);
    const channel = await insertChannel(t.projectId, {
      type: "slack",
      url: "https://hooks.slack.com/x",
    });
    const oldDelivery = await insertDelivery(t.projectId, channel, newEvent);
    const newDelivery = await insertDelivery(t.projectId, channel, newEvent);
    await env.DB.prepare("UPDATE notification_deliveries SET created_at = ? WHERE id = ?")
      .bind(now - DELIVERY_RETENTION_MS - HOUR_MS, oldDelivery)
      .run();
    const drift = (id: string, resolvedAt: number | null) =>
      env.DB.prepare(
        `INSERT INTO drift_events (id, project_id, node_id, detected_at, resolved_at)
         VALUES (?, ?, ?, ?, ?)`,
      ).bind(id, t.projectId, node.nodeId, now - EVENT_RETENTION_MS * 2, resolvedAt);
    const [oldResolved, oldOpen] = [crypto.randomUUID(), crypto.randomUUID()];
    await env.DB.batch([
      drift(oldResolved, now - EVENT_RETENTION_MS - HOUR_MS),
      drift(oldOpen, null),
    ]);

    await runCron(now);

    expect(
      await ids("SELECT id FROM events WHERE project_id = ? AND type LIKE 'a.%'", t.projectId),
    ).toEqual([newEvent]);
    expect(await ids("SELECT id FROM node_events WHERE project_id = ?", t.projectId)).toEqual(
      expect.not.arrayContaining([oldNodeEvent]),
    );
    expect(await ids("SELECT id FROM node_events WHERE project_id = ?", t.projectId)).toContain(
      newNodeEvent,
    );
    expect(
      await ids("SELECT id FROM notification_deliveries WHERE project_id = ?", t.projectId),
    ).toEqual([newDelivery]);
    expect(await ids("SELECT id FROM drift_events WHERE project_id = ?", t.projectId)).toEqual([
      oldOpen,
    ]);
  });
});

describe("cron: expired sessions", () => {
  it("deletes sessions past their expiry and keeps live ones", async () => {
    const t = await createTenant();
    const user = await createUser(t.orgId, "reader");
    const now = Date.now();
    const insert = (id: string, expiresAt: number) =>
      env.DB.prepare(
        "INSERT INTO sessions (id, user_id, csrf_token, pending_totp, created_at, expires_at) VALUES (?,?,?,?,?,?)",
      ).bind(id, user.userId, "csrf", 0, now - 1000, expiresAt);
    await env.DB.batch([
      insert(`old-${user.userId}`, now - 1),
      insert(`live-${user.userId}`, now + 3_600_000),
    ]);
    await runCron(now);
    const left = await env.DB.prepare("SELECT id FROM sessions WHERE user_id = ?")
      .bind(user.userId)
      .all<{ id: string }>();
    expect(left.results.map((r) => r.id)).toEqual([`live-${user.userId}`]);
  });
});
