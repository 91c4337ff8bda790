import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashRecoveryCode } from "../../src/auth/recovery-codes";
import { base32Decode, hotp, totpCounter } from "../../src/auth/totp";
import { decryptPrivateKey } from "../../src/bundles/key-encryption";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";
import {
  asUser,
  currentCode,
  enableTotp,
  loginCall,
  type Session,
  sessionCookie,
  signedInUser,
  userRow,
} from "./sessions";

/** Logs in a TOTP user: returns the pending session (cookie + CSRF token). */
async function pendingLogin(email: string, password: string): Promise<Session> {
  const res = await loginCall(email, password);
  expect(res.status, res.text).toBe(200);
  expect(res.body.totp_required).toBe(true);
  expect(res.body.user).toBeUndefined();
  return { cookie: sessionCookie(res), csrf: res.body.csrf_token };
}

/** A code from a step outside the ±1 window that differs from every code inside it. */
async function staleCode(secret: string): Promise<string> {
  const key = base32Decode(secret);
  const step = totpCounter(Date.now());
  const near = await Promise.all([-1, 0, 1].map((d) => hotp(key, step + d)));
  for (let d = 5; ; d++) {
    const code = await hotp(key, step - d);
    if (!near.includes(code)) {
      return code;
    }
  }
}

describe("TOTP: enrolment", () => {
  it("enrols, stays inactive until confirmed, and seals the secret at rest", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "operator");
    const enrolled = await call("POST", "/api/v1/auth/totp/enroll", asUser(u.session));
    expect(enrolled.status, enrolled.text).toBe(200);
    const secret = enrolled.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolled.body.otpauth_uri).toContain(`secret=${secret}`);
    const row = await userRow(u.userId);
    expect(row?.totp_enabled_at).toBeNull();
    expect(row?.totp_secret_enc).not.toContain(secret);
    const opened = await decryptPrivateKey(
      row?.totp_secret_enc ?? "",
      env.ZCP_MASTER_KEY ?? "",
      `zcp:totp:${u.userId}`,
    );
    expect(opened).toEqual(base32Decode(secret));
    // Not active yet: password alone still signs in.
    expect((await loginCall(u.email, u.password)).body.totp_required).toBe(false);
  });

  it("confirms with a current code: 10 recovery codes, stored hashed, and audited", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "operator");
    const { recoveryCodes } = await enableTotp(u.session);
    expect(recoveryCodes).toHaveLength(10);
    const row = await userRow(u.userId);
    expect(row?.totp_enabled_at).not.toBeNull();
    const stored = JSON.parse(row?.recovery_code_hashes ?? "[]") as string[];
    expect(stored).toEqual(await Promise.all(recoveryCodes.map(hashRecoveryCode)));
    const audit = await env.DB.prepare(
      "SELECT action, actor_id FROM audit_logs WHERE chain = ? ORDER BY seq DESC LIMIT 1",
    )
      .bind(`org:${t.orgId}`)
      .first<{ action: string; actor_id: string }>();
    expect(audit).toEqual({ action: "user.totp_enabled", actor_id: u.userId });
  });

  it("rejects a wrong confirmation code (400), confirming without enrolment and re-enrolling (409)", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    expectEnvelope(
      await call(
        "POST",
        "/api/v1/auth/totp/confirm",
        asUser(u.session, { body: { code: "123456" } }),
      ),
      409,
      "CONFLICT",
    );
    const enrolled = await call("POST", "/api/v1/auth/totp/enroll", asUser(u.session));
    const err = expectEnvelope(
      await call(
        "POST",
        "/api/v1/auth/totp/confirm",
        asUser(u.session, { body: { code: await staleCode(enrolled.body.secret) } }),
      ),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.[0]?.path).toBe("code");
    expect((await userRow(u.userId))?.totp_enabled_at).toBeNull();
    await call(
      "POST",
      "/api/v1/auth/totp/confirm",
      asUser(u.session, { body: { code: await currentCode(enrolled.body.secret) } }),
    );
    const before = (await userRow(u.userId))?.totp_secret_enc;
    expectEnvelope(
      await call("POST", "/api/v1/auth/totp/enroll", asUser(u.session)),
      409,
      "CONFLICT",
    );
    expect((await userRow(u.userId))?.totp_secret_enc).toBe(before);
  });

  it("is for signed-in users only: API keys 403, no credentials 401, missing CSRF 403", async () => {
    const t = await createTenant();
    const key = await keyForRole(t.orgId, "admin");
    const u = await signedInUser(t.orgId, "reader");
    for (const path of ["enroll", "confirm", "disable"]) {
      expectEnvelope(
        await call("POST", `/api/v1/auth/totp/${path}`, { key, body: { code: "123456" } }),
        403,
        "FORBIDDEN",
      );
      expectEnvelope(
        await call("POST", `/api/v1/auth/totp/${path}`, { body: { code: "123456" } }),
        401,
        "UNAUTHORIZED",
      );
      expectEnvelope(
        await call(
          "POST",
          `/api/v1/auth/totp/${path}`,
          asUser(u.session, { csrf: false, body: {} }),
        ),
        403,
        "FORBIDDEN",
      );
    }
  });
});

describe("TOTP: sign-in", () => {
  it("makes login pending; the pending cookie authenticates nothing until the code", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "admin");
    const { secret } = await enableTotp(u.session);
    const pending = await pendingLogin(u.email, u.password);
    for (const path of ["/api/v1/auth/me", `/api/v1/projects/${t.slug}`]) {
      expectEnvelope(await call("GET", path, asUser(pending)), 401, "UNAUTHORIZED");
    }
    expectEnvelope(
      await call(
        "POST",
        "/api/v1/auth/totp",
        asUser(pending, { csrf: false, body: { code: "000000" } }),
      ),
      403,
      "FORBIDDEN",
    );
    const done = await call(
      "POST",
      "/api/v1/auth/totp",
      asUser(pending, { body: { code: await currentCode(secret) } }),
    );
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({
      totp_required: false,
      user: { id: u.userId, totp_enabled: true },
    });
    const full: Session = { cookie: sessionCookie(done), csrf: done.body.csrf_token };
    expect(full.cookie).not.toBe(pending.cookie);
    expect(full.csrf).not.toBe(pending.csrf);
    expect((await call("GET", "/api/v1/auth/me", asUser(full))).status).toBe(200);
    // The pending session is gone: it cannot be completed twice.
    expectEnvelope(
      await call(
        "POST",
        "/api/v1/auth/totp",
        asUser(pending, { body: { code: await currentCode(secret) } }),
      ),
      401,
      "UNAUTHORIZED",
    );
  });

  it("rejects a wrong code (401) and limits attempts per user (429)", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const { secret } = await enableTotp(u.session); // one attempt used by confirm
    const pending = await pendingLogin(u.email, u.password);
    const wrong = await staleCode(secret);
    for (let i = 0; i < 9; i++) {
      expectEnvelope(
        await call("POST", "/api/v1/auth/totp", asUser(pending, { body: { code: wrong } })),
        401,
        "UNAUTHORIZED",
      );
    }
    const limited = await call(
      "POST",
      "/api/v1/auth/totp",
      asUser(pending, { body: { code: await currentCode(secret) } }),
    );
    expectEnvelope(limited, 429, "RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("accepts each recovery code once, in any typed form", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    const { recoveryCodes } = await enableTotp(u.session);
    const code = recoveryCodes[3] as string;
    const first = await pendingLogin(u.email, u.password);
    const used = await call(
      "POST",
      "/api/v1/auth/totp",
      asUser(first, { body: { code: code.toUpperCase().replace("-", " ") } }),
    );
    expect(used.status, used.text).toBe(200);
    expect(JSON.parse((await userRow(u.userId))?.recovery_code_hashes ?? "[]")).toHaveLength(9);
    const second = await pendingLogin(u.email, u.password);
    expectEnvelope(
      await call("POST", "/api/v1/auth/totp", asUser(second, { body: { code } })),
      401,
      "UNAUTHORIZED",
    );
  });

  it("refuses /auth/totp without a pending session (401)", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "reader");
    expectEnvelope(
      await call("POST", "/api/v1/auth/totp", asUser(u.session, { body: { code: "123456" } })),
      401,
      "UNAUTHORIZED",
    );
    expectEnvelope(
      await call("POST", "/api/v1/auth/totp", { body: { code: "123456" } }),
      401,
      "UNAUTHORIZED",
    );
  });
});

describe("TOTP: disable", () => {
  it("needs a current code or the password; clears secret and recovery codes; audited", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "operator");
    const { secret } = await enableTotp(u.session);
    expectEnvelope(
      await call("POST", "/api/v1/auth/totp/disable", asUser(u.session, { body: {} })),
      400,
      "BAD_REQUEST",
    );
    expectEnvelope(
      await call(
        "POST",
        "/api/v1/auth/totp/disable",
        asUser(u.session, { body: { password: "wrong-password" } }),
      ),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(
      await call(
        "POST",
        "/api/v1/auth/totp/disable",
        asUser(u.session, {
          body: { code: await currentCode(secret), password: "wrong-password" },
        }),
      ),
      403,
      "FORBIDDEN",
    );
    expect((await userRow(u.userId))?.totp_enabled_at).not.toBeNull();
    const off = await call(
      "POST",
      "/api/v1/auth/totp/disable",
      asUser(u.session, { body: { password: u.password } }),
    );
    expect(off.status, off.text).toBe(204);
    const row = await userRow(u.userId);
    expect(row).toMatchObject({
      totp_secret_enc: null,
      totp_enabled_at: null,
      recovery_code_hashes: "[]",
    });
    expect((await loginCall(u.email, u.password)).body.totp_required).toBe(false);
    expectEnvelope(
      await call(
        "POST",
        "/api/v1/auth/totp/disable",
        asUser(u.session, { body: { password: u.password } }),
      ),
      409,
      "CONFLICT",
    );
    const actions = await env.DB.prepare(
      "SELECT action FROM audit_logs WHERE chain = ? ORDER BY seq",
    )
      .bind(`org:${t.orgId}`)
      .all<{ action: string }>();
    expect(actions.results.map((r) => r.action)).toEqual([
      "user.totp_enabled",
      "user.totp_disabled",
    ]);
  });
});

describe("TOTP: replay", () => {
  it("accepts each code once: the same code cannot complete a second sign-in", async () => {
    const t = await createTenant();
    const u = await signedInUser(t.orgId, "operator");
    const { secret } = await enableTotp(u.session);
    const code = await currentCode(secret);
    const first = await pendingLogin(u.email, u.password);
    const ok = await call("POST", "/api/v1/auth/totp", asUser(first, { body: { code } }));
    expect(ok.status, ok.text).toBe(200);
    const second = await pendingLogin(u.email, u.password);
    expectEnvelope(
      await call("POST", "/api/v1/auth/totp", asUser(second, { body: { code } })),
      401,
      "UNAUTHORIZED",
    );
  });
});
