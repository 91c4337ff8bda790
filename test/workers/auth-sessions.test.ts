import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/crypto";
import { call, createApiKey, createTenant, createUser, expectEnvelope } from "./harness";
import { asUser, login, loginCall, sessionCookie, signedInUser, uniqueIp } from "./sessions";

const TWELVE_HOURS_S = 12 * 60 * 60;

describe("sessions: happy path", () => {
  it("logs in with a hardened cookie whose token is stored only as its SHA-256", async () => {
    const t = await createTenant();
    const user = await createUser(t.orgId, "operator");
    const res = await loginCall(user.email.toUpperCase(), user.password);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ totp_required: false, user: { email: user.email } });
    expect(res.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setCookie = res.headers.get("set-cookie") ?? "";
    for (const attr of ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api"]) {
      expect(setCookie).toContain(attr);
    }
    expect(setCookie).toContain(`Max-Age=${TWELVE_HOURS_S}`);
    const token = sessionCookie(res).slice("zcp_session=".length);
    const row = await env.DB.prepare(
      "SELECT id, csrf_token, expires_at FROM sessions WHERE user_id = ?",
    )
      .bind(user.userId)
      .first<{ id: string; csrf_token: string; expires_at: number }>();
    expect(row?.id).toBe(await sha256Hex(token));
    expect(row?.id).not.toBe(token);
    expect(row?.csrf_token).toBe(res.body.csrf_token);
    expect(Math.abs((row?.expires_at ?? 0) - Date.now() - TWELVE_HOURS_S * 1000)).toBeLessThan(
      60_000,
    );
  });

  it("GET /auth/me returns the user, memberships with roles and the CSRF token", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const me = await call("GET", "/api/v1/auth/me", asUser(u.session, { csrf: false }));
    expect(me.status, me.text).toBe(200);
    expect(me.body.user).toMatchObject({ id: u.userId, email: u.email, totp_enabled: false });
    expect(me.body.memberships).toEqual([
      expect.objectContaining({ org_id: t.orgId, role: "reader" }),
    ]);
    expect(me.body.csrf_token).toBe(u.session.csrf);
  });

  it("authenticates operator routes by cookie, and mutations with the CSRF token", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "admin");
    const shown = await call(
      "GET",
      `/api/v1/projects/${t.slug}`,
      asUser(u.session, { csrf: false }),
    );
    expect(shown.status).toBe(200);
    const slug = `s-${t.slug}`;
    const created = await call(
      "POST",
      "/api/v1/projects",
      asUser(u.session, { body: { name: "By cookie", slug } }),
    );
    expect(created.status, created.text).toBe(201);
    const audit = await call("GET", `/api/v1/projects/${slug}/audit-logs`, { key: t.adminKey });
    expect(audit.body.items[0]).toMatchObject({ actor_type: "user", actor_id: u.userId });
  });

  it("logs out: deletes the session, clears the cookie, and the old cookie stops working", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const out = await call("POST", "/api/v1/auth/logout", asUser(u.session));
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/zcp_session=;.*Max-Age=0/);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?")
      .bind(u.userId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
    expectEnvelope(
      await call("GET", "/api/v1/auth/me", asUser(u.session, { csrf: false })),
      401,
      "UNAUTHORIZED",
    );
    // Idempotent without a session.
    expect((await call("POST", "/api/v1/auth/logout")).status).toBe(204);
  });
});

describe("sessions: errors", () => {
  it("answers a wrong password and an unknown email with the same 401", async () => {
    const t = await createTenant();
    const user = await createUser(t.orgId, "reader");
    const wrong = expectEnvelope(
      await loginCall(user.email, "nope-nope-nope"),
      401,
      "UNAUTHORIZED",
    );
    const unknown = expectEnvelope(
      await loginCall(`ghost-${user.email}`, user.password),
      401,
      "UNAUTHORIZED",
    );
    expect(unknown.message).toBe(wrong.message);
  });

  it("lists every schema problem in one 400 and creates no session", async () => {
    const err = expectEnvelope(
      await call("POST", "/api/v1/auth/login", { body: { email: "not-an-email", password: "" } }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["email", "password"]);
  });

  it("refuses disabled users and expired sessions", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, u.userId)
      .run();
    expectEnvelope(
      await call("GET", "/api/v1/auth/me", asUser(u.session, { csrf: false })),
      401,
      "UNAUTHORIZED",
    );
    const again = await login(u.email, u.password);
    await env.DB.prepare("UPDATE users SET disabled_at = ? WHERE id = ?")
      .bind(Date.now(), u.userId)
      .run();
    expectEnvelope(
      await call("GET", "/api/v1/auth/me", asUser(again, { csrf: false })),
      401,
      "UNAUTHORIZED",
    );
    expectEnvelope(await loginCall(u.email, u.password), 401, "UNAUTHORIZED");
  });
});

describe("sessions: login rate limits", () => {
  it("allows 10 attempts per email in 15 minutes, then 429 with Retry-After even for the right password", async () => {
    const t = await createTenant();
    const user = await createUser(t.orgId, "reader");
    for (let i = 0; i < 10; i++) {
      expect((await loginCall(user.email, `wrong-${i}`)).status).toBe(401);
    }
    const limited = await loginCall(user.email, user.password);
    expectEnvelope(limited, 429, "RATE_LIMITED");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    const sessions = await env.DB.prepare("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?")
      .bind(user.userId)
      .first<{ n: number }>();
    expect(sessions?.n).toBe(0);
  });

  it("forgives an email's failures after its correct password", async () => {
    const t = await createTenant();
    const user = await createUser(t.orgId, "reader");
    for (let i = 0; i < 9; i++) {
      expect((await loginCall(user.email, `wrong-${i}`)).status).toBe(401);
    }
    expect((await loginCall(user.email, user.password)).status).toBe(200);
    for (let i = 0; i < 9; i++) {
      expect((await loginCall(user.email, `wrong-again-${i}`)).status).toBe(401);
    }
  });

  it("limits one IP to 50 attempts across emails", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 50; i++) {
      expect((await loginCall(`nobody-${i}-${ip}@example.com`, "x", { ip })).status).toBe(401);
    }
    expectEnvelope(
      await loginCall(`nobody-51-${ip}@example.com`, "x", { ip }),
      429,
      "RATE_LIMITED",
    );
    expect((await loginCall(`nobody-51-${ip}@example.com`, "x")).status).toBe(401);
  });
});

describe("sessions: security", () => {
  it("requires X-CSRF-Token equal to the session's on cookie mutations (403), not on reads", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "admin");
    const body = { name: "x", slug: `c-${t.slug}` };
    for (const csrf of [false, "forged-token", `${u.session.csrf}x`] as const) {
      const err = expectEnvelope(
        await call("POST", "/api/v1/projects", asUser(u.session, { body, csrf })),
        403,
        "FORBIDDEN",
      );
      expect(err.message).toMatch(/X-CSRF-Token/);
    }
    const row = await env.DB.prepare("SELECT id FROM projects WHERE slug = ?")
      .bind(body.slug)
      .first();
    expect(row).toBeNull();
    const logout = await call("POST", "/api/v1/auth/logout", asUser(u.session, { csrf: false }));
    expectEnvelope(logout, 403, "FORBIDDEN");
  });

  it("exempts API-key requests from CSRF, even with a cookie present", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const res = await call("POST", "/api/v1/projects", {
      key: t.adminKey,
      headers: { cookie: u.session.cookie },
      body: { name: "k", slug: `k-${t.slug}` },
    });
    expect(res.status, res.text).toBe(201);
  });

  it("does not accept the stored hash, a malformed token or another org's data", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const u = await signedInUser(t.orgId, "admin");
    const stored = await env.DB.prepare("SELECT id FROM sessions WHERE user_id = ?")
      .bind(u.userId)
      .first<{ id: string }>();
    for (const cookie of [`zcp_session=${stored?.id}`, "zcp_session=../../etc", "zcp_session="]) {
      expectEnvelope(
        await call("GET", "/api/v1/auth/me", { headers: { cookie } }),
        401,
        "UNAUTHORIZED",
      );
    }
    expectEnvelope(
      await call("GET", `/api/v1/projects/${other.slug}`, asUser(u.session, { csrf: false })),
      404,
      "NOT_FOUND",
    );
  });

  it("lets a signed-in browser log in again without the old CSRF token", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const res = await loginCall(u.email, u.password, { cookie: u.session.cookie });
    expect(res.status, res.text).toBe(200);
    expect(sessionCookie(res)).not.toBe(u.session.cookie);
  });

  it("refuses /auth/me for API keys (403) and without credentials (401)", async () => {
    const t = await createTenant();
    const key = await createApiKey({ orgId: t.orgId, scopes: ["projects:read"] });
    expectEnvelope(await call("GET", "/api/v1/auth/me", { key }), 403, "FORBIDDEN");
    expectEnvelope(await call("GET", "/api/v1/auth/me"), 401, "UNAUTHORIZED");
  });
});
