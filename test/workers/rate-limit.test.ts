import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleError } from "../../src/api/errors";
import { newRouter } from "../../src/api/hono";
import { init } from "../../src/api/middleware/init";
import { operatorAuth } from "../../src/api/middleware/operator-auth";
import {
  API_REQUESTS_PER_WINDOW,
  createRateLimit,
  LOCAL_ADMIT_FRACTION,
  NODE_REQUESTS_PER_WINDOW,
  RATE_WINDOW_MS,
  rateLimitNode,
} from "../../src/api/middleware/rate-limit";
import { sha256Hex } from "../../src/auth/crypto";
import { type CallResult, call, createApiKey, createTenant, expectEnvelope } from "./harness";
import { asUser, signedInUser } from "./sessions";

const SMALL_LIMIT = 20;

/** A tiny app with the real init/auth middleware and a small limit, plus a node route. */
function testApp() {
  const app = newRouter();
  app.use("*", init);
  app.use("/op/*", operatorAuth);
  app.use("/op/*", createRateLimit({ limit: SMALL_LIMIT, windowMs: RATE_WINDOW_MS }));
  app.get("/op/ping", (c) => c.json({ ok: true }));
  app.get("/node/:id", async (c) => {
    await rateLimitNode(c, c.req.param("id"));
    return c.json({ ok: true });
  });
  app.onError(handleError);
  return app;
}

async function request(path: string, headers: Record<string, string> = {}): Promise<CallResult> {
  const ctx = createExecutionContext();
  const res = await testApp().request(path, { headers }, env, ctx);
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
}

/** Sends until the first 429 (or `max` requests); returns how many were admitted and the 429. */
async function untilLimited(send: () => Promise<CallResult>, max: number) {
  let admitted = 0;
  for (let i = 0; i < max; i++) {
    const res = await send();
    if (res.status === 429) {
      return { admitted, limited: res };
    }
    expect(res.status, res.text).toBe(200);
    admitted++;
  }
  return { admitted, limited: null };
}

/** Parallel hits per round: exhausting 1,200 one by one can outlast the window when loaded. */
const EXHAUST_CONCURRENCY = 50;

/** Uses up a RateLimiterDO bucket directly. */
async function exhaust(bucket: string, limit: number) {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(bucket));
  for (let done = 0; done < limit; done += EXHAUST_CONCURRENCY) {
    const round = Math.min(EXHAUST_CONCURRENCY, limit - done);
    await Promise.all(Array.from({ length: round }, () => stub.hit(limit, RATE_WINDOW_MS)));
  }
}

const localShare = (limit: number) => Math.max(1, Math.floor(limit * LOCAL_ADMIT_FRACTION));

describe("rate limit middleware", () => {
  it("admits the limit plus at most the local share per key, then 429 with Retry-After", async () => {
    const t = await createTenant();
    const key = await createApiKey({ orgId: t.orgId, scopes: ["projects:read"] });
    const { admitted, limited } = await untilLimited(
      () => request("/op/ping", { authorization: `Bearer ${key}` }),
      SMALL_LIMIT * 2,
    );
    expect(admitted).toBeGreaterThanOrEqual(SMALL_LIMIT);
    expect(admitted).toBeLessThanOrEqual(SMALL_LIMIT + localShare(SMALL_LIMIT) + 1);
    if (!limited) {
      throw new Error("never limited");
    }
    expectEnvelope(limited, 429, "RATE_LIMITED");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(RATE_WINDOW_MS / 1000);
    // Refused locally afterwards, still with the envelope and Retry-After.
    const again = await request("/op/ping", { authorization: `Bearer ${key}` });
    expectEnvelope(again, 429, "RATE_LIMITED");
    expect(again.headers.get("retry-after")).not.toBeNull();
  });

  it("keeps principals apart: another key and a user have their own buckets", async () => {
    const t = await createTenant();
    const noisy = await createApiKey({ orgId: t.orgId, scopes: ["projects:read"] });
    const quiet = await createApiKey({ orgId: t.orgId, scopes: ["projects:read"] });
    const user = await signedInUser(t.orgId, "reader");
    await untilLimited(
      () => request("/op/ping", { authorization: `Bearer ${noisy}` }),
      SMALL_LIMIT * 2,
    );
    expect((await request("/op/ping", { authorization: `Bearer ${quiet}` })).status).toBe(200);
    const cookie = asUser(user.session, { csrf: false }).headers ?? {};
    expect((await request("/op/ping", cookie)).status).toBe(200);
  });

  it("skips unauthenticated requests (routes answer 401 themselves)", async () => {
    for (let i = 0; i < SMALL_LIMIT + 5; i++) {
      expect((await request("/op/ping")).status).toBe(200);
    }
  });

  it("rateLimitNode limits `node:<id>` buckets", async () => {
    const nodeId = crypto.randomUUID();
    await exhaust(`node:${nodeId}`, NODE_REQUESTS_PER_WINDOW);
    const { admitted, limited } = await untilLimited(
      () => request(`/node/${nodeId}`),
      localShare(NODE_REQUESTS_PER_WINDOW) + 2,
    );
    expect(admitted).toBeLessThanOrEqual(localShare(NODE_REQUESTS_PER_WINDOW) + 1);
    expect(limited?.status).toBe(429);
    expect((await request(`/node/${crypto.randomUUID()}`)).status).toBe(200);
  });

  it("is wired into the app for API keys (`key:<id>` with the default budget)", async () => {
    const t = await createTenant();
    const key = await createApiKey({ orgId: t.orgId, scopes: ["projects:read"] });
    const row = await env.DB.prepare("SELECT id FROM api_keys WHERE key_hash = ?")
      .bind(await sha256Hex(key))
      .first<{ id: string }>();
    await exhaust(`key:${row?.id}`, API_REQUESTS_PER_WINDOW);
    // The local share refills at share/window (2 tokens/s here) while these requests run, so on
    // a slow machine draining it takes more than share + 1 requests; the bound stays finite.
    const { limited } = await untilLimited(
      () => call("GET", `/api/v1/projects/${t.slug}`, { key }),
      localShare(API_REQUESTS_PER_WINDOW) * 4 + 2,
    );
    expect(limited).not.toBeNull();
    expectEnvelope(limited as CallResult, 429, "RATE_LIMITED");
  });
});
