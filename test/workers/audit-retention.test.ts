import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auditRetentionTask } from "../../src/jobs/tasks/audit-retention";
import { createServices } from "../../src/services";
import type { Logger } from "../../src/services/logger";
import { call, createTenant, type Tenant } from "./harness";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Appends `n` entries to the tenant's project chain through the real API (api_key.created). */
async function addEntries(t: Tenant, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await call("POST", "/api/v1/api-keys", {
      key: t.adminKey,
      body: { name: `key ${i}`, scopes: ["projects:read"], project: t.slug },
    });
    expect(res.status, res.text).toBe(201);
  }
}

const verify = (t: Tenant) =>
  call("GET", `/api/v1/projects/${t.slug}/audit-logs/verify`, { key: t.adminKey });

const chainRows = async (chain: string) =>
  (
    await env.DB.prepare("SELECT id, seq, created_at FROM audit_logs WHERE chain = ? ORDER BY seq")
      .bind(chain)
      .all<{ id: string; seq: number; created_at: number }>()
  ).results;

/** Error logs of retention runs, by chain (captured instead of printed). */
const refusals = new Map<string, string>();

const captureLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (_message, fields) => {
    refusals.set(String(fields?.chain), String(fields?.reason));
  },
  with: () => captureLogger,
};

/** Runs the retention task as the cron would at `scheduledTime`. */
async function runRetention(scheduledTime: number) {
  const ctx = createExecutionContext();
  const services = createServices(env, ctx, "test-retention", { logger: captureLogger });
  const result = await auditRetentionTask.run(services, scheduledTime);
  await waitOnExecutionContext(ctx);
  return result;
}

describe("audit retention", () => {
  it("prunes a prefix older than AUDIT_RETENTION_DAYS; verify starts at the oldest remaining entry", async () => {
    const t = await createTenant();
    await addEntries(t, 3);
    await new Promise((r) => setTimeout(r, 20));
    await addEntries(t, 2);
    const rows = await chainRows(t.projectId);
    const cutoff = rows[3]?.created_at ?? 0;
    expect(rows[2]?.created_at).toBeLessThan(cutoff);
    const result = await runRetention(cutoff + 365 * DAY_MS);
    expect(result?.pruned).toBeGreaterThanOrEqual(3);
    expect((await chainRows(t.projectId)).map((r) => r.seq)).toEqual([4, 5]);
    expect((await verify(t)).body).toMatchObject({
      valid: true,
      checked: 2,
      pruned_through_seq: 3,
      head_seq: 5,
    });
    // Appending still works and verifies after pruning.
    await addEntries(t, 1);
    expect((await verify(t)).body).toMatchObject({ valid: true, checked: 3, head_seq: 6 });
    // Deleting the oldest remaining entry is still detected.
    await env.DB.prepare("DELETE FROM audit_logs WHERE chain = ? AND seq = 4")
      .bind(t.projectId)
      .run();
    expect((await verify(t)).body).toMatchObject({ valid: false, first_invalid_seq: 5 });
  });

  it("keeps a chain's newest entry even when everything is old, and is idempotent", async () => {
    const t = await createTenant();
    await addEntries(t, 4);
    const far = Date.now() + 1000 * DAY_MS;
    await runRetention(far);
    expect((await chainRows(t.projectId)).map((r) => r.seq)).toEqual([4]);
    await runRetention(far);
    expect((await chainRows(t.projectId)).map((r) => r.seq)).toEqual([4]);
    expect((await verify(t)).body).toMatchObject({
      valid: true,
      checked: 1,
      pruned_through_seq: 3,
    });
  });

  it("keeps entries younger than the retention period", async () => {
    const t = await createTenant();
    await addEntries(t, 3);
    await runRetention(Date.now() + 364 * DAY_MS);
    expect((await chainRows(t.projectId)).map((r) => r.seq)).toEqual([1, 2, 3]);
  });
  it("refuses to prune a prefix that fails verification (the evidence stays)", async () => {
    const t = await createTenant();
    await addEntries(t, 3);
    const rows = await chainRows(t.projectId);
    await env.DB.prepare("UPDATE audit_logs SET action = 'nothing.happened' WHERE id = ?")
      .bind(rows[0]?.id)
      .run();
    const result = await runRetention(Date.now() + 1000 * DAY_MS);
    expect(result?.refused).toBeGreaterThanOrEqual(1);
    expect(refusals.get(t.projectId)).toBe("seq 1: hash does not match the entry's content");
    expect((await chainRows(t.projectId)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await verify(t)).body).toMatchObject({ valid: false, first_invalid_id: rows[0]?.id });
  });
});
