import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runCron } from "./cron-helpers";

const count = async (table: string, column: string, value: string) =>
  (
    await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`)
      .bind(value)
      .first<{ n: number }>()
  )?.n;

describe("saml-state cron", () => {
  it("deletes expired AuthnRequests and assertion ids, keeps live ones", async () => {
    const now = Date.now();
    const provider = crypto.randomUUID();
    const insertRequest = (id: string, expiresAt: number) =>
      env.DB.prepare(
        `INSERT INTO saml_requests (id, binding_hash, org_id, provider_id, return_to, created_at, expires_at)
         VALUES (?, ?, ?, ?, '/', ?, ?)`,
      ).bind(id, crypto.randomUUID(), crypto.randomUUID(), provider, now - 1000, expiresAt);
    const insertAssertion = (id: string, expiresAt: number) =>
      env.DB.prepare(
        "INSERT INTO saml_assertion_ids (provider_id, assertion_id, expires_at) VALUES (?, ?, ?)",
      ).bind(provider, id, expiresAt);
    await env.DB.batch([
      insertRequest(`_old-${provider}`, now - 1),
      insertRequest(`_live-${provider}`, now + 60_000),
      insertAssertion("_old", now - 1),
      insertAssertion("_live", now + 60_000),
    ]);
    await runCron(now);
    expect(await count("saml_requests", "id", `_old-${provider}`)).toBe(0);
    expect(await count("saml_requests", "id", `_live-${provider}`)).toBe(1);
    const left = await env.DB.prepare(
      "SELECT assertion_id FROM saml_assertion_ids WHERE provider_id = ?",
    )
      .bind(provider)
      .all<{ assertion_id: string }>();
    expect(left.results.map((r) => r.assertion_id)).toEqual(["_live"]);
  });
});
