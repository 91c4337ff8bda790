/**
 * SAML 2.0 sign-in end to end in workerd: SP metadata, AuthnRequest via HTTP-Redirect, the
 * signed Response posted to the ACS, and the session it yields (JIT user, mapped role).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signedResponse } from "../unit/auth/saml-idp";
import { call, createTenant, expectEnvelope } from "./harness";
import {
  answer,
  callNoRedirect,
  postAcs,
  SAML_GROUPS,
  sessionFrom,
  setupSaml,
  signIn,
  startLogin,
} from "./saml-flow";

async function me(cookie: string) {
  return call<{
    user: { email: string };
    memberships: Array<{ org_id: string; role: string }>;
    csrf_token: string;
  }>("GET", "/api/v1/auth/me", { headers: { cookie } });
}

describe("SP metadata", () => {
  it("names the org's entity id and HTTP-POST ACS, and wants signed assertions", async () => {
    const setup = await setupSaml();
    const res = await call("GET", `/api/v1/auth/saml/${setup.orgSlug}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/samlmetadata+xml");
    expect(res.text).toContain(`entityID="${setup.spEntityId}"`);
    expect(res.text).toContain(`Location="${setup.acsUrl}"`);
    expect(res.text).toContain('WantAssertionsSigned="true"');
  });

  it("is 404 for an unknown org", async () => {
    expectEnvelope(await call("GET", "/api/v1/auth/saml/no-such-org/metadata"), 404, "NOT_FOUND");
  });
});

describe("provider view", () => {
  it("tells the admin what to register at the IdP and where sign-in starts", async () => {
    const setup = await setupSaml();
    const res = await call(
      "GET",
      `/api/v1/orgs/${setup.orgSlug}/sso-providers/${setup.providerId}`,
      { key: setup.tenant.adminKey },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      login_url: `/api/v1/auth/saml/${setup.orgSlug}/login?provider=${setup.providerId}`,
      saml: {
        idp_entity_id: setup.idp.entityId,
        sp_entity_id: setup.spEntityId,
        acs_url: setup.acsUrl,
        metadata_url: setup.spEntityId,
      },
    });
    // The advertised login URL really starts a sign-in with this provider.
    const started = await callNoRedirect("GET", res.body.login_url);
    expect(started.status).toBe(302);
  });

  it("SSO discovery (the dashboard's 'Sign in with SSO') links to the SAML sign-in", async () => {
    const setup = await setupSaml();
    const res = await call("GET", `/api/v1/auth/sso/discover?q=${setup.orgSlug}`);
    expect(res.status, res.text).toBe(200);
    const loginUrl = `/api/v1/auth/saml/${setup.orgSlug}/login?provider=${setup.providerId}`;
    expect(res.body.orgs[0].providers).toEqual([
      { id: setup.providerId, name: "Keycloak", kind: "saml", login_url: loginUrl },
    ]);
    expect((await callNoRedirect("GET", loginUrl)).status).toBe(302);
  });
});

describe("sign-in start", () => {
  it("redirects to the IdP with a deflated AuthnRequest and sets the binding cookie", async () => {
    const setup = await setupSaml();
    const started = await startLogin(setup);
    expect(`${started.location.origin}${started.location.pathname}`).toBe(
      "https://idp.example.test/realms/acme/protocol/saml",
    );
    expect(started.requestXml).toContain(`AssertionConsumerServiceURL="${setup.acsUrl}"`);
    expect(started.requestXml).toContain(`<saml:Issuer>${setup.spEntityId}</saml:Issuer>`);
    expect(started.requestXml).toContain(
      'Destination="https://idp.example.test/realms/acme/protocol/saml"',
    );
    expect(started.setCookie).toMatch(/HttpOnly/i);
    expect(started.setCookie).toMatch(/Secure/i);
    expect(started.setCookie).toMatch(/SameSite=None/i);
    expect(started.setCookie).toMatch(/Path=\/api\/v1\/auth\/saml\//);
    const row = await env.DB.prepare("SELECT provider_id, org_id FROM saml_requests WHERE id = ?")
      .bind(started.requestId)
      .first<{ provider_id: string; org_id: string }>();
    expect(row).toEqual({ provider_id: setup.providerId, org_id: setup.tenant.orgId });
  });

  it("is 404 for an unknown org and for an org without a SAML provider", async () => {
    expectEnvelope(await call("GET", "/api/v1/auth/saml/no-such-org/login"), 404, "NOT_FOUND");
    const other = await setupSaml();
    const bare = await createTenant();
    const slug = (
      await env.DB.prepare("SELECT slug FROM orgs WHERE id = ?")
        .bind(bare.orgId)
        .first<{ slug: string }>()
    )?.slug;
    expectEnvelope(await call("GET", `/api/v1/auth/saml/${slug}/login`), 404, "NOT_FOUND");
    // Another org's provider id is not found here either (tenant isolation).
    expectEnvelope(
      await call("GET", `/api/v1/auth/saml/${slug}/login?provider=${other.providerId}`),
      404,
      "NOT_FOUND",
    );
  });

  it("asks which provider when the org has several, and refuses a disabled one", async () => {
    const first = await setupSaml();
    const second = await setupSaml({ tenant: first.tenant, name: "Second IdP" });
    const err = expectEnvelope(
      await call("GET", `/api/v1/auth/saml/${first.orgSlug}/login`),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.[0]?.path).toBe("provider");
    const chosen = await startLogin(first, `?provider=${second.providerId}`);
    const row = await env.DB.prepare("SELECT provider_id FROM saml_requests WHERE id = ?")
      .bind(chosen.requestId)
      .first<{ provider_id: string }>();
    expect(row?.provider_id).toBe(second.providerId);
    const patched = await call(
      "PATCH",
      `/api/v1/orgs/${first.orgSlug}/sso-providers/${second.providerId}`,
      { key: first.tenant.adminKey, body: { enabled: false } },
    );
    expect(patched.status, patched.text).toBe(200);
    expectEnvelope(
      await call("GET", `/api/v1/auth/saml/${first.orgSlug}/login?provider=${second.providerId}`),
      403,
      "FORBIDDEN",
    );
  });
});

describe("sign-in through the ACS", () => {
  it.each(["assertion", "response", "both"] as const)(
    "a Response with the %s signed signs the user in with a session cookie",
    async (sign) => {
      const setup = await setupSaml();
      const email = `alice-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const res = await signIn(
        setup,
        { nameId: email, attributes: { email: [email], groups: [SAML_GROUPS.admins] } },
        sign,
      );
      expect(res.status, res.text).toBe(303);
      expect(res.headers.get("location")).toBe("/");
      // The binding cookie is cleared: the request is answered once.
      expect(res.headers.get("set-cookie")).toMatch(/zcp_saml=;/);
      const cookie = sessionFrom(res);
      expect(cookie).not.toBeNull();
      const who = await me(cookie ?? "");
      expect(who.status).toBe(200);
      expect(who.body.user.email).toBe(email);
      expect(who.body.memberships).toEqual([
        expect.objectContaining({ org_id: setup.tenant.orgId, role: "admin" }),
      ]);
    },
  );

  it("returns to the path given at the start (same-origin only)", async () => {
    const setup = await setupSaml();
    for (const [given, expected] of [
      ["/projects?x=1", "/projects?x=1"],
      ["https://evil.test/", "/"],
      ["//evil.test/", "/"],
    ]) {
      const started = await startLogin(setup, `?return_to=${encodeURIComponent(given ?? "")}`);
      const xml = signedResponse(setup.idp, answer(setup, started.requestId));
      const res = await postAcs(setup, xml, started.cookie);
      expect(res.status, res.text).toBe(303);
      expect(res.headers.get("location")).toBe(expected);
    }
  });

  it("a user mapped to reader can read but not write", async () => {
    const setup = await setupSaml();
    const email = `reader-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await signIn(setup, {
      nameId: email,
      attributes: { email: [email], groups: [SAML_GROUPS.readers] },
    });
    expect(res.status, res.text).toBe(303);
    const cookie = sessionFrom(res) ?? "";
    const who = await me(cookie);
    expect(who.body.memberships[0]?.role).toBe("reader");
    const headers = { cookie, "x-csrf-token": who.body.csrf_token };
    expect((await call("GET", "/api/v1/projects", { headers })).status).toBe(200);
    expectEnvelope(
      await call("POST", "/api/v1/projects", {
        headers,
        body: { slug: `p-${crypto.randomUUID().slice(0, 8)}`, name: "Nope" },
      }),
      403,
      "FORBIDDEN",
    );
  });

  it("a user from an unmapped group gets no access and no session", async () => {
    const setup = await setupSaml();
    const email = `nobody-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await signIn(setup, {
      nameId: email,
      attributes: { email: [email], groups: ["marketing"] },
    });
    expectEnvelope(res, 403, "FORBIDDEN");
    expect(sessionFrom(res)).toBeNull();
    const member = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?",
    )
      .bind(email)
      .first<{ n: number }>();
    expect(member?.n).toBe(0);
  });

  it("takes the email from the NameID when no email attribute is sent", async () => {
    const setup = await setupSaml();
    const email = `nameid-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await signIn(setup, {
      nameId: email,
      attributes: { memberOf: [SAML_GROUPS.readers] },
    });
    expect(res.status, res.text).toBe(303);
    expect((await me(sessionFrom(res) ?? "")).body.user.email).toBe(email);
  });

  it("works while an old session cookie of the same browser is present (no CSRF needed)", async () => {
    const setup = await setupSaml();
    const first = await signIn(setup);
    const old = sessionFrom(first) ?? "";
    const started = await startLogin(setup);
    const xml = signedResponse(setup.idp, answer(setup, started.requestId));
    const res = await postAcs(setup, xml, started.cookie, old);
    expect(res.status, res.text).toBe(303);
    expect(sessionFrom(res)).not.toBe(old);
  });
});
