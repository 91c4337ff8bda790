import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { csvField } from "../../src/api/audit/export";
import {
  call,
  createApiKey,
  createTenant,
  expectEnvelope,
  keyForRole,
  type Tenant,
} from "./harness";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Appends `n` entries to the tenant's project chain through the real API (api_key.created). */
async function addEntries(t: Tenant, n: number, name = (i: number) => `key ${i}`) {
  for (let i = 0; i < n; i++) {
    const res = await call("POST", "/api/v1/api-keys", {
      key: t.adminKey,
      body: { name: name(i), scopes: ["projects:read"], project: t.slug },
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

describe("audit verify: deletions", () => {
  it("detects truncation of the newest entries against the hub's head", async () => {
    const t = await createTenant();
    await addEntries(t, 3);
    expect((await verify(t)).body).toMatchObject({ valid: true, checked: 3, head_seq: 3 });
    await env.DB.prepare("DELETE FROM audit_logs WHERE chain = ? AND seq = 3")
      .bind(t.projectId)
      .run();
    const res = await verify(t);
    expect(res.body).toMatchObject({
      valid: false,
      checked: 2,
      first_invalid_seq: 3,
      first_invalid_id: null,
    });
    expect(res.body.reason).toMatch(/truncated/);
  });

  it("names the gap when a middle or the first entry is deleted", async () => {
    const t = await createTenant();
    await addEntries(t, 3);
    const rows = await chainRows(t.projectId);
    await env.DB.prepare("DELETE FROM audit_logs WHERE id = ?").bind(rows[1]?.id).run();
    expect((await verify(t)).body).toMatchObject({
      valid: false,
      first_invalid_id: rows[2]?.id,
      first_invalid_seq: 3,
      reason: "sequence gap: expected 2, found 3",
    });
    const u = await createTenant();
    await addEntries(u, 2);
    await env.DB.prepare("DELETE FROM audit_logs WHERE chain = ? AND seq = 1")
      .bind(u.projectId)
      .run();
    expect((await verify(u)).body).toMatchObject({ valid: false, first_invalid_seq: 2 });
  });

  it("detects a content edit at the edited entry", async () => {
    const t = await createTenant();
    await addEntries(t, 2);
    const rows = await chainRows(t.projectId);
    await env.DB.prepare("UPDATE audit_logs SET actor_id = 'someone-else' WHERE id = ?")
      .bind(rows[0]?.id)
      .run();
    expect((await verify(t)).body).toMatchObject({
      valid: false,
      first_invalid_id: rows[0]?.id,
      reason: "hash does not match the entry's content",
    });
  });
});

describe("audit export", () => {
  it("streams CSV with a header row and RFC 4180 quoting", async () => {
    const t = await createTenant();
    await addEntries(t, 2, (i) => `ci, "deploy" ${i}`);
    const res = await call("GET", `/api/v1/projects/${t.slug}/audit-logs/export?format=csv`, {
      key: t.adminKey,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="audit-.*\.csv"/);
    const lines = res.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "seq,id,created_at,actor_type,actor_id,action,resource_type,resource_id,request_id,diff,prev_hash,hash",
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^1,/);
    expect(lines[1]).toContain('""name"":""ci, \\""deploy\\"" 0""');
    expect(csvField('a,"b"\nc')).toBe('"a,""b""\nc"');
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
  });

  it("streams JSON over several pages, filtered by action, since and until", async () => {
    const t = await createTenant();
    const base = Date.now() - DAY_MS;
    const statements = Array.from({ length: 620 }, (_, i) =>
      env.DB.prepare(
        `INSERT INTO audit_logs (id, chain, seq, org_id, project_id, actor_type, actor_id, action,
           resource_type, resource_id, diff, request_id, created_at, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, 'system', 'test', ?, 'thing', NULL, NULL, NULL, ?, 'p', 'h')`,
      ).bind(
        crypto.randomUUID(),
        t.projectId,
        i + 1,
        t.orgId,
        t.projectId,
        i % 2 ? "odd" : "even",
        base + i * 1000,
      ),
    );
    await env.DB.batch(statements);
    const all = await call("GET", `/api/v1/projects/${t.slug}/audit-logs/export`, {
      key: t.adminKey,
    });
    expect(all.status).toBe(200);
    expect(all.headers.get("content-type")).toContain("application/json");
    expect((all.body as Array<{ seq: number }>).map((e) => e.seq)).toEqual(
      Array.from({ length: 620 }, (_, i) => i + 1),
    );
    const odd = await call("GET", `/api/v1/projects/${t.slug}/audit-logs/export?action=odd`, {
      key: t.adminKey,
    });
    expect(odd.body).toHaveLength(310);
    const since = new Date(base + 100_000).toISOString();
    const until = new Date(base + 110_000).toISOString();
    const window = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs/export?since=${since}&until=${until}`,
      { key: t.adminKey },
    );
    expect((window.body as Array<{ seq: number }>).map((e) => e.seq)).toEqual(
      Array.from({ length: 10 }, (_, i) => 101 + i),
    );
    const empty = await call("GET", `/api/v1/projects/${t.slug}/audit-logs/export?action=none`, {
      key: t.adminKey,
    });
    expect(empty.body).toEqual([]);
  });

  it("validates the query (all problems listed) and enforces audit:read and tenancy", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const err = expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/audit-logs/export?format=xml&since=yesterday`, {
        key: t.adminKey,
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["format", "since"]);
    const noAudit = await createApiKey({ orgId: t.orgId, scopes: ["projects:read"] });
    const path = `/api/v1/projects/${t.slug}/audit-logs/export`;
    expectEnvelope(await call("GET", path), 401, "UNAUTHORIZED");
    expectEnvelope(await call("GET", path, { key: noAudit }), 403, "FORBIDDEN");
    expectEnvelope(await call("GET", path, { key: other.adminKey }), 404, "NOT_FOUND");
    expect((await call("GET", path, { key: await keyForRole(t.orgId, "reader") })).status).toBe(
      200,
    );
  });
});
