import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createEnrollmentToken, nodeKeyHeaders } from "./fixtures";
import { call, createTenant, expectEnvelope } from "./harness";

const register = (slug: string, token: string, name: string, key?: string) =>
  call("POST", `/api/v1/projects/${slug}/nodes/register`, {
    headers: { "x-zentinel-enrollment-token": token, ...(key ? { "idempotency-key": key } : {}) },
    body: { name },
  });

describe("node registration retried after a lost response", () => {
  it("answers a retry with the same Idempotency-Key for the same node, with a fresh key", async () => {
    const t = await createTenant();
    const { token } = await createEnrollmentToken(t.projectId, { maxUses: 5 });
    const key = crypto.randomUUID();
    const first = await register(t.slug, token, "edge-1", key);
    expect(first.status, first.text).toBe(201);
    const retry = await register(t.slug, token, "edge-1", key);
    expect(retry.status, retry.text).toBe(201);
    expect(retry.body.node_id).toBe(first.body.node_id);
    expect(retry.body.node_key).not.toBe(first.body.node_key);
    // The lost response's key no longer works; the new one does; the token was used once.
    const hb = (k: string) =>
      call("POST", `/api/v1/nodes/${first.body.node_id}/heartbeat`, {
        headers: nodeKeyHeaders(k),
        body: {},
      });
    expectEnvelope(await hb(first.body.node_key), 401, "UNAUTHORIZED");
    expect((await hb(retry.body.node_key)).status).toBe(200);
    const uses = await env.DB.prepare(
      "SELECT uses FROM enrollment_tokens WHERE token_hash IS NOT NULL AND project_id = ?",
    )
      .bind(t.projectId)
      .first<{ uses: number }>();
    expect(uses?.uses).toBe(1);
  });

  it("still refuses (409) without the key, with another key, or once the node has authenticated", async () => {
    const t = await createTenant();
    const { token } = await createEnrollmentToken(t.projectId);
    const key = crypto.randomUUID();
    const first = await register(t.slug, token, "edge-2", key);
    expect(first.status).toBe(201);
    expectEnvelope(await register(t.slug, token, "edge-2"), 409, "CONFLICT");
    expectEnvelope(await register(t.slug, token, "edge-2", crypto.randomUUID()), 409, "CONFLICT");
    const beat = await call("POST", `/api/v1/nodes/${first.body.node_id}/heartbeat`, {
      headers: nodeKeyHeaders(first.body.node_key),
      body: {},
    });
    expect(beat.status).toBe(200);
    expectEnvelope(await register(t.slug, token, "edge-2", key), 409, "CONFLICT");
  });

  it("does not let another enrollment token replay the key", async () => {
    const t = await createTenant();
    const a = await createEnrollmentToken(t.projectId);
    const b = await createEnrollmentToken(t.projectId);
    const key = crypto.randomUUID();
    expect((await register(t.slug, a.token, "edge-3", key)).status).toBe(201);
    expectEnvelope(await register(t.slug, b.token, "edge-3", key), 409, "CONFLICT");
  });

  it("rejects a malformed Idempotency-Key with 400", async () => {
    const t = await createTenant();
    const { token } = await createEnrollmentToken(t.projectId);
    expectEnvelope(await register(t.slug, token, "edge-4", "short"), 400, "BAD_REQUEST");
  });
});
