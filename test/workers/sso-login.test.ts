/**
 * The protocol-independent end of SSO sign-in (`completeSsoLogin`): just-in-time users, group →
 * role mapping, managed memberships, account linking limits, and "SSO required" with the
 * audited break-glass path for admins at password sign-in.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { completeSsoLogin, type ExternalIdentity } from "../../src/api/sso/complete-login";
import { createServices } from "../../src/services";
import { call, createTenant, createUser, expectEnvelope, type Tenant } from "./harness";
import { installIdps, TestIdp } from "./oidc-idp";
import { asUser, loginCall, type Session } from "./sessions";

const services = () => createServices(env, { waitUntil() {} }, `req_test_${crypto.randomUUID()}`);
const origin = { ip: "10.9.9.9", userAgent: "vitest" };

const orgSlugOf = async (orgId: string) =>
  (await env.DB.prepare("SELECT slug FROM orgs WHERE id = ?").bind(orgId).first<{ slug: string }>())
    ?.slug as string;

const orgActions = async (orgId: string) =>
  (
    await env.DB.prepare("SELECT action FROM audit_logs WHERE chain = ? ORDER BY seq")
      .bind(`org:${orgId}`)
      .all<{ action: string }>()
  ).results.map((r) => r.action);

const membership = (orgId: string, userId: string) =>
  env.DB.prepare(
    "SELECT role, managed_by_provider_id FROM memberships WHERE org_id = ? AND user_id = ?",
  )
    .bind(orgId, userId)
    .first<{ role: string; managed_by_provider_id: string | null }>();

let t: Tenant;
let slug: string;
let providerId: string;
let counter = 0;

async function createProvider(tenant: Tenant, body: Record<string, unknown> = {}): Promise<string> {
  const idp = new TestIdp();
  installIdps(idp);
  const res = await call("POST", `/api/v1/orgs/${await orgSlugOf(tenant.orgId)}/sso-providers`, {
    key: tenant.adminKey,
    body: {
      kind: "oidc",
      name: `IdP ${counter++}`,
      email_domains: ["example.com"],
      role_mappings: [
        { group: "zcp-admins", role: "admin" },
        { group: "zcp-ops", role: "operator" },
        { group: "zcp-readers", role: "reader" },
      ],
      oidc: { issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret },
      ...body,
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

function identity(over: Partial<ExternalIdentity> = {}): ExternalIdentity {
  const n = counter++;
  return {
    orgId: t.orgId,
    providerId,
    subject: `sub-${n}-${crypto.randomUUID()}`,
    email: `sso-${n}-${Date.now()}@example.com`,
    groups: ["zcp-readers"],
    ...over,
  };
}

/** Signs in and returns the browser-side session (cookie + CSRF token). */
async function ssoSession(id: ExternalIdentity): Promise<Session> {
  const done = await completeSsoLogin(services(), id, origin);
  return { cookie: `zcp_session=${done.session.token}`, csrf: done.session.csrfToken };
}

/** Expects completeSsoLogin to throw an ApiError with `status`. */
async function refused(id: ExternalIdentity, status: number): Promise<string> {
  try {
    await completeSsoLogin(services(), id, origin);
  } catch (err) {
    expect((err as { status?: number }).status, String(err)).toBe(status);
    return (err as Error).message;
  }
  throw new Error("sign-in was not refused");
}

beforeEach(async () => {
  t = await createTenant();
  slug = await orgSlugOf(t.orgId);
  providerId = await createProvider(t);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("just-in-time provisioning and mapping", () => {
  it("creates the user on first sign-in with the mapped role and a working session, audited", async () => {
    const id = identity({ groups: ["other", "zcp-ops"], name: "Ada Ops" });
    const done = await completeSsoLogin(services(), id, origin);
    expect(done.userCreated).toBe(true);
    expect(done.role).toBe("operator");
    const me = await call("GET", "/api/v1/auth/me", {
      headers: { cookie: `zcp_session=${done.session.token}` },
    });
    expect(me.status, me.text).toBe(200);
    expect(me.body.user).toMatchObject({ email: id.email, name: "Ada Ops", totp_enabled: false });
    expect(me.body.memberships).toEqual([
      expect.objectContaining({ org_id: t.orgId, org_slug: slug, role: "operator" }),
    ]);
    expect(await membership(t.orgId, done.user.id)).toEqual({
      role: "operator",
      managed_by_provider_id: providerId,
    });
    expect((await orgActions(t.orgId)).slice(-3)).toEqual([
      "member.added",
      "user.created",
      "auth.sso_login",
    ]);

    // The same subject again is the same user, no new account.
    const again = await completeSsoLogin(services(), { ...id, groups: ["zcp-ops"] }, origin);
    expect(again.user.id).toBe(done.user.id);
    expect(again.userCreated).toBe(false);
  });

  it("gives an unmapped user no access and creates nothing", async () => {
    const id = identity({ groups: ["marketing"] });
    expect(await refused(id, 403)).toMatch(/None of your identity provider groups/);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?")
      .bind(id.email)
      .first();
    expect(user).toBeNull();
    const links = await env.DB.prepare("SELECT COUNT(*) AS n FROM sso_identities WHERE subject = ?")
      .bind(id.subject)
      .first<{ n: number }>();
    expect(links?.n).toBe(0);
  });

  it("a user mapped to reader can read but not write", async () => {
    const session = await ssoSession(identity({ groups: ["zcp-readers"] }));
    const read = await call("GET", `/api/v1/projects/${t.slug}`, asUser(session, { csrf: false }));
    expect(read.status, read.text).toBe(200);
    const write = await call(
      "POST",
      `/api/v1/projects/${t.slug}/enrollment-tokens`,
      asUser(session, { body: { name: "made by a reader" } }),
    );
    expectEnvelope(write, 403, "FORBIDDEN");
    const mutateOrg = await call(
      "POST",
      `/api/v1/orgs/${slug}/sso-providers`,
      asUser(session, { body: { kind: "saml", name: "x", saml: { metadata_xml: "<x/>" } } }),
    );
    expectEnvelope(mutateOrg, 403, "FORBIDDEN");
  });

  it("the default role applies to unmapped groups; managed roles follow the groups at every sign-in", async () => {
    await call("PATCH", `/api/v1/orgs/${slug}/sso-providers/${providerId}`, {
      key: t.adminKey,
      body: { default_role: "reader" },
    });
    const id = identity({ groups: [] });
    const first = await completeSsoLogin(services(), id, origin);
    expect(first.role).toBe("reader");
    const promoted = await completeSsoLogin(
      services(),
      { ...id, groups: ["zcp-admins", "zcp-ops"] },
      origin,
    );
    expect(promoted.role).toBe("admin");
    expect((await membership(t.orgId, first.user.id))?.role).toBe("admin");
    expect(await orgActions(t.orgId)).toContain("member.role_changed");

    await call("PATCH", `/api/v1/orgs/${slug}/sso-providers/${providerId}`, {
      key: t.adminKey,
      body: { default_role: null },
    });
    // Not the org's only admin (the last admin is never demoted or removed, SSO or not).
    await createUser(t.orgId, "admin");
    // Removed from every mapped group at the IdP: the next sign-in is refused and the
    // membership the provider created is gone, so existing sessions lose the org too.
    const session = await ssoSession({ ...id, groups: ["zcp-readers"] });
    expect(await refused({ ...id, groups: [] }, 403)).toMatch(/None of your/);
    expect(await membership(t.orgId, first.user.id)).toBeNull();
    expect(await orgActions(t.orgId)).toContain("member.removed");
    const me = await call("GET", "/api/v1/auth/me", asUser(session, { csrf: false }));
    expect(me.body.memberships).toEqual([]);
  });
});

describe("linking and refusals", () => {
  it("links an existing account of this org only; a hand-made membership keeps its role", async () => {
    const local = await createUser(t.orgId, "operator");
    const done = await completeSsoLogin(
      services(),
      identity({ email: local.email.toUpperCase(), groups: ["zcp-admins"] }),
      origin,
    );
    expect(done.user.id).toBe(local.userId);
    expect(done.userCreated).toBe(false);
    expect(done.role).toBe("operator");
    expect(await membership(t.orgId, local.userId)).toEqual({
      role: "operator",
      managed_by_provider_id: null,
    });

    const other = await createTenant();
    const elsewhere = await createUser(other.orgId, "reader");
    expect(
      await refused(identity({ email: elsewhere.email, groups: ["zcp-admins"] }), 409),
    ).toMatch(/other orgs/);
    expect(await membership(t.orgId, elsewhere.userId)).toBeNull();
  });

  it("refuses foreign email domains, unverified emails, disabled providers and other orgs' providers", async () => {
    expect(await refused(identity({ email: "eve@evil.example" }), 403)).toMatch(/email domains/);
    expect(await refused(identity({ emailVerified: false }), 403)).toMatch(/verified/);
    const other = await createTenant();
    const foreign = await createProvider(other);
    await refused(identity({ providerId: foreign }), 404);
    await call("PATCH", `/api/v1/orgs/${slug}/sso-providers/${providerId}`, {
      key: t.adminKey,
      body: { enabled: false },
    });
    expect(await refused(identity(), 403)).toMatch(/disabled/);
  });

  it("an SSO-created account has no password", async () => {
    const id = identity({ groups: ["zcp-admins"] });
    await completeSsoLogin(services(), id, origin);
    for (const password of ["sso-only", "", "x"]) {
      const res = await loginCall(id.email, password || "-");
      expectEnvelope(res, 401, "UNAUTHORIZED");
    }
  });
});

describe("SSO required", () => {
  it("refuses password sign-in for non-admin members; admins get in through break-glass, audited", async () => {
    const reader = await createUser(t.orgId, "reader");
    const admin = await createUser(t.orgId, "admin");
    const on = await call("PUT", `/api/v1/orgs/${slug}/sso-policy`, {
      key: t.adminKey,
      body: { sso_required: true },
    });
    expect(on.status, on.text).toBe(200);
    const refusedLogin = await loginCall(reader.email, reader.password);
    expect(expectEnvelope(refusedLogin, 403, "FORBIDDEN").message).toMatch(
      /requires single sign-on/,
    );
    expect(refusedLogin.headers.get("set-cookie")).toBeNull();
    // A wrong password still answers 401, so the 403 reveals nothing without the password.
    expectEnvelope(await loginCall(reader.email, "wrong password!"), 401, "UNAUTHORIZED");

    const breakGlass = await loginCall(admin.email, admin.password);
    expect(breakGlass.status, breakGlass.text).toBe(200);
    expect(await orgActions(t.orgId)).toContain("auth.break_glass_login");
    const entry = await env.DB.prepare(
      "SELECT actor_id FROM audit_logs WHERE chain = ? AND action = 'auth.break_glass_login'",
    )
      .bind(`org:${t.orgId}`)
      .first<{ actor_id: string }>();
    expect(entry?.actor_id).toBe(admin.userId);

    // Members of other orgs are unaffected.
    const other = await createTenant();
    const outsider = await createUser(other.orgId, "reader");
    expect((await loginCall(outsider.email, outsider.password)).status).toBe(200);
    // SSO sign-in still works for the reader's peers.
    const sso = await completeSsoLogin(services(), identity({ groups: ["zcp-readers"] }), origin);
    expect(sso.role).toBe("reader");
  });
});
