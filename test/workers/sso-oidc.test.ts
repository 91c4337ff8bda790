/**
 * OIDC sign-in end to end against the in-process IdP (test/workers/oidc-idp.ts): discover →
 * start → IdP → callback → session cookie, and every refusal: wrong/replayed/expired/foreign
 * state, another browser, wrong nonce, issuer, audience, expired token, disallowed algorithms,
 * a signature by the wrong key, an IdP error, and an unmapped user.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { expiredSsoStatesTask } from "../../src/jobs/tasks/sso-states";
import { createServices } from "../../src/services";
import { type CallResult, call, createTenant, expectEnvelope, type Tenant } from "./harness";
import { installIdps, type Tamper, TestIdp } from "./oidc-idp";
import { asUser } from "./sessions";

const orgSlugOf = async (orgId: string) =>
  (await env.DB.prepare("SELECT slug FROM orgs WHERE id = ?").bind(orgId).first<{ slug: string }>())
    ?.slug as string;

/** `name=value` of a Set-Cookie for `name`, or null. */
function cookieOf(res: CallResult, name: string): string | null {
  const header = res.headers.get("set-cookie") ?? "";
  const match = new RegExp(`(?:^|,\\s*)(${name}=[^;]*)`).exec(header);
  return match?.[1] ?? null;
}

let t: Tenant;
let slug: string;
let idp: TestIdp;
let providerId: string;
let userCounter = 0;

beforeEach(async () => {
  t = await createTenant();
  slug = await orgSlugOf(t.orgId);
  idp = new TestIdp();
  installIdps(idp);
  const res = await call("POST", `/api/v1/orgs/${slug}/sso-providers`, {
    key: t.adminKey,
    body: {
      kind: "oidc",
      name: "Corp IdP",
      email_domains: ["example.com"],
      role_mappings: [
        { group: "zcp-admins", role: "admin" },
        { group: "zcp-readers", role: "reader" },
      ],
      oidc: {
        issuer: idp.issuer,
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        scopes: ["openid", "email", "groups"],
      },
    },
  });
  expect(res.status, res.text).toBe(201);
  providerId = res.body.id;
  const n = userCounter++;
  idp.user = {
    sub: `sub-${n}-${crypto.randomUUID()}`,
    email: `oidc-${n}-${Date.now()}@example.com`,
    email_verified: true,
    name: "Ada Lovelace",
    groups: ["zcp-readers"],
  };
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** GET /start; returns the IdP URL and the browser-binding cookie. */
async function start(query = ""): Promise<{ authorize: string; browser: string }> {
  const res = await call("GET", `/api/v1/auth/sso/${slug}/start?provider=${providerId}${query}`, {
    redirect: "manual",
  });
  expect(res.status, res.text).toBe(302);
  const browser = cookieOf(res, "zcp_sso");
  expect(browser).not.toBeNull();
  expect(res.headers.get("set-cookie")).toMatch(/HttpOnly/);
  expect(res.headers.get("set-cookie")).toMatch(/SameSite=Lax/);
  return { authorize: res.headers.get("location") ?? "", browser: browser ?? "" };
}

/** Follows the IdP's redirect back to the callback, as the browser would. */
function callback(callbackUrl: string, browser: string | null): Promise<CallResult> {
  const url = new URL(callbackUrl);
  return call("GET", `${url.pathname}${url.search}`, {
    redirect: "manual",
    ...(browser ? { headers: { cookie: browser } } : {}),
  });
}

/** The whole browser round trip; returns the callback's answer. */
async function signIn(tamper: Tamper | null = null, query = ""): Promise<CallResult> {
  const { authorize, browser } = await start(query);
  idp.tamper = tamper;
  return callback(idp.authorize(authorize), browser);
}

describe("OIDC sign-in", () => {
  it("signs in through the IdP with PKCE, state and nonce, and lands with the password-login cookie", async () => {
    const { authorize, browser } = await start("&return_to=%2Fprojects%2Fdemo");
    const params = new URL(authorize).searchParams;
    expect(authorize.startsWith(`${idp.issuer}/authorize?`)).toBe(true);
    expect(params.get("redirect_uri")).toBe(`http://zcp.test/api/v1/auth/sso/${slug}/callback`);
    expect(params.get("scope")).toBe("openid email groups");
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only hashes of the state and the browser secret are stored.
    const stored = await env.DB.prepare(
      "SELECT id, browser_hash FROM sso_login_states WHERE provider_id = ?",
    )
      .bind(providerId)
      .first<{ id: string; browser_hash: string }>();
    expect(stored?.id).not.toBe(params.get("state"));
    expect(browser).not.toContain(stored?.browser_hash ?? "-");

    const res = await callback(idp.authorize(authorize), browser);
    expect(res.status, res.text).toBe(303);
    expect(res.headers.get("location")).toBe("/projects/demo");
    const session = cookieOf(res, "zcp_session");
    expect(session).not.toBeNull();
    expect(res.headers.get("set-cookie")).toMatch(
      /zcp_session=[^;]+;.*HttpOnly.*Secure.*SameSite=Strict/i,
    );
    // The IdP saw the PKCE verifier and the client authenticated with its secret.
    expect(idp.tokenRequests.at(-1)?.get("code_verifier")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await call("GET", "/api/v1/auth/me", { headers: { cookie: session ?? "" } });
    expect(me.status, me.text).toBe(200);
    expect(me.body.user).toMatchObject({ email: idp.user.email, name: "Ada Lovelace" });
    expect(me.body.memberships).toEqual([
      expect.objectContaining({ org_slug: slug, role: "reader" }),
    ]);
    const csrf = me.body.csrf_token as string;

    // Mapped to reader: reads work, writes do not.
    const sessionAuth = { cookie: session ?? "", csrf };
    expect(
      (await call("GET", `/api/v1/projects/${t.slug}`, asUser(sessionAuth, { csrf: false })))
        .status,
    ).toBe(200);
    expectEnvelope(
      await call(
        "POST",
        `/api/v1/projects/${t.slug}/enrollment-tokens`,
        asUser(sessionAuth, { body: { name: "x" } }),
      ),
      403,
      "FORBIDDEN",
    );
    const remaining = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM sso_login_states WHERE provider_id = ?",
    )
      .bind(providerId)
      .first<{ n: number }>();
    expect(remaining?.n).toBe(0);
  });

  it("uses the org's only provider when none is named, and never redirects off-site afterwards", async () => {
    const res = await call(
      "GET",
      `/api/v1/auth/sso/${slug}/start?return_to=https%3A%2F%2Fevil.example%2F`,
      { redirect: "manual" },
    );
    expect(res.status, res.text).toBe(302);
    const back = await callback(
      idp.authorize(res.headers.get("location") ?? ""),
      cookieOf(res, "zcp_sso"),
    );
    expect(back.status, back.text).toBe(303);
    expect(back.headers.get("location")).toBe("/");
  });

  it("gives a user from an unmapped group no access", async () => {
    idp.user = { ...idp.user, groups: ["marketing"] };
    const res = await signIn();
    expect(expectEnvelope(res, 403, "FORBIDDEN").message).toMatch(
      /None of your identity provider groups/,
    );
    expect(cookieOf(res, "zcp_session")).toBeNull();
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?")
      .bind(idp.user.email)
      .first();
    expect(user).toBeNull();
  });
});

describe("OIDC refusals", () => {
  it("refuses a wrong, replayed, expired, foreign-org or other-browser state", async () => {
    // Wrong state: nothing was started with it.
    const { authorize, browser } = await start();
    const good = idp.authorize(authorize);
    const forged = new URL(good);
    forged.searchParams.set("state", "A".repeat(43));
    expect(
      expectEnvelope(await callback(forged.toString(), browser), 400, "BAD_REQUEST").message,
    ).toMatch(/unknown or was already used/);
    // Replay: the first use consumes the state.
    expect((await callback(good, browser)).status).toBe(303);
    expect(expectEnvelope(await callback(good, browser), 400, "BAD_REQUEST").message).toMatch(
      /already used/,
    );

    // Another browser (a callback link sent to a victim): the binding cookie is missing or wrong.
    const second = await start();
    const url = idp.authorize(second.authorize);
    expect(expectEnvelope(await callback(url, null), 400, "BAD_REQUEST").message).toMatch(
      /another browser/,
    );
    const third = await start();
    expect(
      expectEnvelope(
        await callback(idp.authorize(third.authorize), second.browser),
        400,
        "BAD_REQUEST",
      ).message,
    ).toMatch(/another browser/);

    // Expired: older than the 10-minute window.
    const late = await start();
    await env.DB.prepare("UPDATE sso_login_states SET expires_at = ? WHERE provider_id = ?")
      .bind(Date.now() - 1, providerId)
      .run();
    expect(
      expectEnvelope(
        await callback(idp.authorize(late.authorize), late.browser),
        400,
        "BAD_REQUEST",
      ).message,
    ).toMatch(/expired/);

    // Started for this org, returned to another org's callback.
    const other = await createTenant();
    const elsewhere = await start();
    const cb = new URL(idp.authorize(elsewhere.authorize));
    cb.pathname = `/api/v1/auth/sso/${await orgSlugOf(other.orgId)}/callback`;
    expect(
      expectEnvelope(await callback(cb.toString(), elsewhere.browser), 400, "BAD_REQUEST").message,
    ).toMatch(/another org/);
  });

  it("refuses ID tokens with a wrong nonce, issuer or audience, expired, badly signed or with a disallowed alg", async () => {
    const cases: Array<[Tamper, RegExp]> = [
      [{ kind: "nonce", nonce: "not-the-nonce" }, /nonce does not match/],
      [{ kind: "issuer", issuer: "https://evil.idp.example" }, /wrong issuer/],
      [{ kind: "audience", audience: "another-client" }, /wrong audience/],
      [{ kind: "expired" }, /expired/],
      [{ kind: "hs256" }, /algorithm not allowed/],
      [{ kind: "none" }, /ID token refused/],
      [{ kind: "foreign-key" }, /signature does not verify/],
    ];
    for (const [tamper, message] of cases) {
      const res = await signIn(tamper);
      const error = expectEnvelope(res, 401, "UNAUTHORIZED");
      expect(error.message, tamper.kind).toMatch(message);
      expect(cookieOf(res, "zcp_session"), tamper.kind).toBeNull();
    }
    const sessions = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?",
    )
      .bind(idp.user.email)
      .first<{ n: number }>();
    expect(sessions?.n).toBe(0);
    // The same user signs in fine once the token is right.
    expect((await signIn()).status).toBe(303);
  });

  it("refuses an IdP error, a missing code, a code the IdP rejects, and a disabled provider", async () => {
    const { authorize, browser } = await start();
    const back = new URL(idp.authorize(authorize));
    back.searchParams.delete("code");
    back.searchParams.set("error", "access_denied");
    back.searchParams.set("error_description", "User cancelled");
    expect(
      expectEnvelope(await callback(back.toString(), browser), 401, "UNAUTHORIZED").message,
    ).toMatch(/access_denied \(User cancelled\)/);

    const again = await start();
    const noCode = new URL(idp.authorize(again.authorize));
    noCode.searchParams.delete("code");
    expectEnvelope(await callback(noCode.toString(), again.browser), 400, "BAD_REQUEST");

    const third = await start();
    const badCode = new URL(idp.authorize(third.authorize));
    badCode.searchParams.set("code", "made-up");
    expect(
      expectEnvelope(await callback(badCode.toString(), third.browser), 401, "UNAUTHORIZED")
        .message,
    ).toMatch(/invalid_grant/);

    await call("PATCH", `/api/v1/orgs/${slug}/sso-providers/${providerId}`, {
      key: t.adminKey,
      body: { enabled: false },
    });
    expectEnvelope(
      await call("GET", `/api/v1/auth/sso/${slug}/start?provider=${providerId}`),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(await call("GET", "/api/v1/auth/sso/no-such-org/start"), 404, "NOT_FOUND");
  });

  it("purges abandoned sign-in attempts from the cron", async () => {
    await start();
    await env.DB.prepare("UPDATE sso_login_states SET expires_at = ? WHERE provider_id = ?")
      .bind(Date.now() - 1, providerId)
      .run();
    const services = createServices(env, { waitUntil() {} }, "req_cron_test");
    const result = await expiredSsoStatesTask.run(services, Date.now());
    expect(result).toMatchObject({ deleted: expect.any(Number) });
    const left = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM sso_login_states WHERE provider_id = ?",
    )
      .bind(providerId)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("SSO discovery", () => {
  it("finds the org's providers by slug or email domain; 404 otherwise", async () => {
    const bySlug = await call("GET", `/api/v1/auth/sso/discover?q=${slug}`);
    expect(bySlug.status, bySlug.text).toBe(200);
    expect(bySlug.body.orgs).toEqual([
      {
        slug,
        name: "Test org",
        providers: [
          {
            id: providerId,
            name: "Corp IdP",
            kind: "oidc",
            login_url: `/api/v1/auth/sso/${slug}/start?provider=${providerId}`,
          },
        ],
      },
    ]);
    const byEmail = await call("GET", "/api/v1/auth/sso/discover?q=someone%40example.com");
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.orgs.map((o: { slug: string }) => o.slug)).toContain(slug);
    expectEnvelope(
      await call("GET", "/api/v1/auth/sso/discover?q=someone%40nowhere.example"),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(await call("GET", "/api/v1/auth/sso/discover?q=no-such-org"), 404, "NOT_FOUND");
    expectEnvelope(await call("GET", "/api/v1/auth/sso/discover"), 400, "BAD_REQUEST");
  });
});
