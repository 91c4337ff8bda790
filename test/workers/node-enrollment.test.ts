import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createEnrollmentToken, nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";

const register = (slug: string, token: string | undefined, body: unknown) =>
  call("POST", `/api/v1/projects/${slug}/nodes/register`, {
    headers: token === undefined ? {} : { "x-zentinel-enrollment-token": token },
    body,
  });

const uses = async (id: string) =>
  (
    await env.DB.prepare("SELECT uses FROM enrollment_tokens WHERE id = ?")
      .bind(id)
      .first<{ uses: number }>()
  )?.uses;

describe("enrollment tokens (operator routes)", () => {
  it("creates a token shown once, lists it without the secret, and audits", async () => {
    const t = await createTenant();
    const created = await call("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
      key: t.adminKey,
      body: { name: "eu bootstrap", expires_in_s: 3600, max_uses: 2 },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      name: "eu bootstrap",
      max_uses: 2,
      uses: 0,
      status: "active",
      token: expect.stringMatching(/^zet_[A-Za-z0-9_-]{43}$/),
    });
    const expiresIn = Date.parse(created.body.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);

    const listed = await call("GET", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
      key: t.adminKey,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].id).toBe(created.body.id);
    expect(listed.text).not.toContain(created.body.token);
    expect(listed.body.items[0]).not.toHaveProperty("token");

    await registerNode(t, { token: created.body.token });
    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs`, { key: t.adminKey });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(["node.registered", "enrollment_token.created"]);
    expect(audit.text).not.toContain(created.body.token);
    expect(audit.body.items[0]).toMatchObject({ actor_type: "system", actor_id: created.body.id });
  });

  it("creates an unlimited, non-expiring token from an empty body", async () => {
    const t = await createTenant();
    const created = await call("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
      key: t.adminKey,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ max_uses: null, expires_at: null, status: "active" });
  });

  it("lists every problem of a bad body in one 400", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
        key: t.adminKey,
        body: { name: "", expires_in_s: 5, max_uses: 0 },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["expires_in_s", "max_uses", "name"]);
  });

  it("revokes with DELETE: registration then fails, a second DELETE answers the same", async () => {
    const t = await createTenant();
    const { id, token } = await createEnrollmentToken(t.projectId);
    const del = await call("DELETE", `/api/v1/projects/${t.slug}/enrollment-tokens/${id}`, {
      key: t.adminKey,
    });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe("revoked");
    const again = await call("DELETE", `/api/v1/projects/${t.slug}/enrollment-tokens/${id}`, {
      key: t.adminKey,
    });
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(del.body.revoked_at);
    const err = expectEnvelope(await register(t.slug, token, { name: "n1" }), 401, "UNAUTHORIZED");
    expect(err.message).toMatch(/revoked/);
    expectEnvelope(
      await call("DELETE", `/api/v1/projects/${t.slug}/enrollment-tokens/${crypto.randomUUID()}`, {
        key: t.adminKey,
      }),
      404,
      "NOT_FOUND",
    );
  });

  it("needs nodes:write to create/delete and nodes:read to list; hides other tenants (404)", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const reader = await keyForRole(t.orgId, "reader");
    const path = `/api/v1/projects/${t.slug}/enrollment-tokens`;
    expect((await call("GET", path, { key: reader })).status).toBe(200);
    expectEnvelope(await call("POST", path, { key: reader, body: {} }), 403, "FORBIDDEN");
    const { id } = await createEnrollmentToken(t.projectId);
    expectEnvelope(await call("DELETE", `${path}/${id}`, { key: reader }), 403, "FORBIDDEN");
    expectEnvelope(await call("GET", path, { key: other.adminKey }), 404, "NOT_FOUND");
    expectEnvelope(
      await call("DELETE", `${path}/${id}`, { key: other.adminKey }),
      404,
      "NOT_FOUND",
    );
    // Another tenant's token id under one's own project is not found either.
    expectEnvelope(
      await call("DELETE", `/api/v1/projects/${other.slug}/enrollment-tokens/${id}`, {
        key: other.adminKey,
      }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(await call("GET", path), 401, "UNAUTHORIZED");
  });
});

describe("node registration", () => {
  it("401s a missing, made-up, other-project, expired, revoked or used-up token", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const otherToken = await createEnrollmentToken(other.projectId);
    const expired = await createEnrollmentToken(t.projectId, { expiresAt: Date.now() - 1000 });
    const revoked = await createEnrollmentToken(t.projectId, { revokedAt: Date.now() - 1000 });
    const usedUp = await createEnrollmentToken(t.projectId, { maxUses: 2, uses: 2 });
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /Missing enrollment token/],
      ["zet_made-up", /Invalid enrollment token/],
      [otherToken.token, /Invalid enrollment token/],
      [expired.token, /expired/],
      [revoked.token, /revoked/],
      [usedUp.token, /used up/],
    ];
    for (const [token, message] of cases) {
      const err = expectEnvelope(
        await register(t.slug, token, { name: "n1" }),
        401,
        "UNAUTHORIZED",
      );
      expect(err.message).toMatch(message);
    }
    // A token of another project does not work through a slug that does not exist either.
    expectEnvelope(
      await register("no-such-project", otherToken.token, { name: "n1" }),
      401,
      "UNAUTHORIZED",
    );
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM nodes WHERE project_id = ?")
      .bind(t.projectId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
    expect(await uses(otherToken.id)).toBe(0);
  });

  it("counts uses and refuses the use after max_uses (replay → 401)", async () => {
    const t = await createTenant();
    const { id, token } = await createEnrollmentToken(t.projectId, { maxUses: 2 });
    expect((await register(t.slug, token, { name: "a" })).status).toBe(201);
    expect((await register(t.slug, token, { name: "b" })).status).toBe(201);
    expectEnvelope(await register(t.slug, token, { name: "c" }), 401, "UNAUTHORIZED");
    expect(await uses(id)).toBe(2);
  });

  it("never exceeds max_uses under concurrent registrations", async () => {
    const t = await createTenant();
    const { id, token } = await createEnrollmentToken(t.projectId, { maxUses: 3 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => register(t.slug, token, { name: `race-${i}` })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 401)).toHaveLength(7);
    expect(await uses(id)).toBe(3);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM nodes WHERE project_id = ?")
      .bind(t.projectId)
      .first<{ n: number }>();
    expect(count?.n).toBe(3);
  });

  it("409s a taken name without consuming a use; a revoked node's name is reusable", async () => {
    const t = await createTenant();
    const { id, token } = await createEnrollmentToken(t.projectId, { maxUses: 5 });
    const first = await register(t.slug, token, { name: "edge-1" });
    expect(first.status).toBe(201);
    const err = expectEnvelope(await register(t.slug, token, { name: "edge-1" }), 409, "CONFLICT");
    expect(err.details?.[0]?.path).toBe("name");
    expect(await uses(id)).toBe(1);
    await call("DELETE", `/api/v1/projects/${t.slug}/nodes/${first.body.node_id}`, {
      key: t.adminKey,
    });
    const again = await register(t.slug, token, { name: "edge-1" });
    expect(again.status, again.text).toBe(201);
    expect(again.body.node_id).not.toBe(first.body.node_id);
    // The old node keeps its history but stays revoked.
    const old = await call("GET", `/api/v1/projects/${t.slug}/nodes/${first.body.node_id}`, {
      key: t.adminKey,
    });
    expect(old.body.status).toBe("revoked");
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${first.body.node_id}/bundles/latest`, {
        headers: nodeKeyHeaders(first.body.node_key),
      }),
      401,
      "UNAUTHORIZED",
    );
  });

  it("lists every problem of a bad body in one 400 and ignores unknown fields", async () => {
    const t = await createTenant();
    const { token } = await createEnrollmentToken(t.projectId);
    const err = expectEnvelope(
      await register(t.slug, token, {
        name: "-bad name",
        labels: { "bad key!": "x" },
        capabilities: "zstd",
        metadata: [],
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual([
      "capabilities",
      "labels.bad key!",
      "metadata",
      "name",
    ]);
    const ok = await register(t.slug, token, { name: "fine", extra: { ignored: true } });
    expect(ok.status).toBe(201);
  });

  it("records the client IP from CF-Connecting-IP unless the body names one", async () => {
    const t = await createTenant();
    const { token } = await createEnrollmentToken(t.projectId);
    const res = await call("POST", `/api/v1/projects/${t.slug}/nodes/register`, {
      headers: { "x-zentinel-enrollment-token": token, "cf-connecting-ip": "198.51.100.7" },
      body: { name: "ip-test" },
    });
    const shown = await call("GET", `/api/v1/projects/${t.slug}/nodes/${res.body.node_id}`, {
      key: t.adminKey,
    });
    expect(shown.body.ip).toBe("198.51.100.7");
  });
});
