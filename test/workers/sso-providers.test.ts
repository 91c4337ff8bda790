/**
 * SSO provider CRUD (/orgs/{org}/sso-providers) and the SSO policy: save-time validation
 * against a real (in-process) OIDC provider and SAML metadata, the sealed client secret, audit,
 * and who may do what.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  call,
  createApiKey,
  createTenant,
  expectEnvelope,
  keyForRole,
  type Tenant,
} from "./harness";
import { installIdps, TestIdp } from "./oidc-idp";
import {
  SAML_EXPIRED_CERT_PEM,
  SAML_TEST_CERT_BODY,
  SAML_TEST_CERT_PEM,
  SAML_WEAK_CERT_PEM,
  samlIdpMetadata,
} from "./saml-fixtures";
import { asUser, signedInUser } from "./sessions";

const orgSlugOf = async (orgId: string) =>
  (await env.DB.prepare("SELECT slug FROM orgs WHERE id = ?").bind(orgId).first<{ slug: string }>())
    ?.slug as string;

const orgAudit = async (orgId: string) =>
  (
    await env.DB.prepare("SELECT action, diff FROM audit_logs WHERE chain = ? ORDER BY seq")
      .bind(`org:${orgId}`)
      .all<{ action: string; diff: string | null }>()
  ).results;

const oidcBody = (idp: TestIdp, extra: Record<string, unknown> = {}) => ({
  kind: "oidc",
  name: "Test IdP",
  email_domains: ["example.com"],
  role_mappings: [
    { group: "zcp-admins", role: "admin" },
    { group: "zcp-readers", role: "reader" },
  ],
  oidc: { issuer: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret },
  ...extra,
});

let t: Tenant;
let slug: string;
let idp: TestIdp;
let base: string;

beforeEach(async () => {
  t = await createTenant();
  slug = await orgSlugOf(t.orgId);
  idp = new TestIdp();
  installIdps(idp);
  base = `/api/v1/orgs/${slug}/sso-providers`;
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("OIDC providers", () => {
  it("creates after checking discovery and JWKS; the secret is sealed, never returned, audited without it", async () => {
    const res = await call("POST", base, { key: t.adminKey, body: oidcBody(idp) });
    expect(res.status, res.text).toBe(201);
    expect(res.text).not.toContain(idp.clientSecret);
    expect(res.body).toMatchObject({
      kind: "oidc",
      name: "Test IdP",
      enabled: true,
      default_role: null,
      email_domains: ["example.com"],
      oidc: {
        issuer: idp.issuer,
        client_id: idp.clientId,
        client_secret_set: true,
        scopes: ["openid", "email", "profile"],
        groups_claim: "groups",
        redirect_uri: `http://zcp.test/api/v1/auth/sso/${slug}/callback`,
      },
      login_url: `/api/v1/auth/sso/${slug}/start?provider=${res.body.id}`,
    });
    const row = await env.DB.prepare(
      "SELECT client_secret_enc, config FROM sso_providers WHERE id = ?",
    )
      .bind(res.body.id)
      .first<{ client_secret_enc: string; config: string }>();
    expect(row?.client_secret_enc.startsWith("v1.")).toBe(true);
    expect(row?.client_secret_enc).not.toContain(idp.clientSecret);
    expect(row?.config).not.toContain(idp.clientSecret);
    expect(JSON.parse(row?.config ?? "{}").token_endpoint_auth).toBe("client_secret_basic");

    const listed = await call("GET", base, { key: t.adminKey });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([res.body.id]);
    expect(listed.text).not.toContain(idp.clientSecret);
    const got = await call("GET", `${base}/${res.body.id}`, { key: t.adminKey });
    expect(got.body).toEqual(res.body);

    const audit = await orgAudit(t.orgId);
    expect(audit.map((a) => a.action)).toEqual(["sso_provider.created"]);
    expect(audit[0]?.diff).toContain(idp.issuer);
    expect(audit[0]?.diff).not.toContain(idp.clientSecret);
  });

  it("refuses at save time: unreachable discovery, issuer mismatch, no PKCE, HS-only, plain http, no JWKS keys", async () => {
    const cases: Array<[string, () => void, RegExp]> = [
      [
        "unreachable",
        () => {
          idp.reachable = false;
        },
        /could not be reached/,
      ],
      [
        "issuer",
        () => {
          idp.discoveryOverrides = { issuer: "https://other.example" };
        },
        /states issuer/,
      ],
      [
        "pkce",
        () => {
          idp.discoveryOverrides = { code_challenge_methods_supported: ["plain"] };
        },
        /PKCE/,
      ],
      [
        "alg",
        () => {
          idp.discoveryOverrides = { id_token_signing_alg_values_supported: ["HS256"] };
        },
        /HS256/,
      ],
      [
        "endpoint",
        () => {
          idp.discoveryOverrides = { token_endpoint: "http://10.0.0.1/token" };
        },
        /token_endpoint/,
      ],
      [
        "jwks",
        () => {
          idp.discoveryOverrides = { jwks_uri: `${idp.issuer}/nothing` };
        },
        /HTTP 404/,
      ],
    ];
    for (const [name, spoil, message] of cases) {
      idp.reachable = true;
      idp.discoveryOverrides = {};
      spoil();
      const res = await call("POST", base, { key: t.adminKey, body: oidcBody(idp, { name }) });
      const error = expectEnvelope(res, 400, "BAD_REQUEST");
      expect(error.details?.[0]?.path, name).toBe("oidc.issuer");
      expect(error.message, name).toMatch(message);
    }
    const plain = await call("POST", base, {
      key: t.adminKey,
      body: oidcBody(idp, {
        oidc: { issuer: `http://${idp.host}`, client_id: "c", client_secret: "s" },
      }),
    });
    expect(expectEnvelope(plain, 400, "BAD_REQUEST").message).toMatch(/https/);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM sso_providers WHERE org_id = ?")
      .bind(t.orgId)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    expect(await orgAudit(t.orgId)).toEqual([]);
  });

  it("reports every schema problem at once", async () => {
    const res = await call("POST", base, {
      key: t.adminKey,
      body: {
        kind: "oidc",
        name: "",
        email_domains: ["not a domain"],
        role_mappings: [
          { group: "g", role: "admin" },
          { group: "g", role: "root" },
        ],
        oidc: { issuer: "nope", client_id: "", client_secret: "x" },
      },
    });
    const error = expectEnvelope(res, 400, "BAD_REQUEST");
    const paths = error.details?.map((d) => d.path) ?? [];
    for (const p of [
      "name",
      "email_domains.0",
      "role_mappings.1.role",
      "oidc.issuer",
      "oidc.client_id",
    ]) {
      expect(paths, JSON.stringify(error.details)).toContain(p);
    }
  });

  it("updates settings (rechecking the IdP), rotates the secret, refuses the other kind's settings, deletes", async () => {
    const created = await call("POST", base, { key: t.adminKey, body: oidcBody(idp) });
    const id = created.body.id as string;
    const sealedBefore = await env.DB.prepare(
      "SELECT client_secret_enc FROM sso_providers WHERE id = ?",
    )
      .bind(id)
      .first<{ client_secret_enc: string }>();

    const renamed = await call("PATCH", `${base}/${id}`, {
      key: t.adminKey,
      body: {
        name: "Renamed",
        default_role: "reader",
        role_mappings: [{ group: "ops", role: "operator" }],
      },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({
      name: "Renamed",
      default_role: "reader",
      role_mappings: [{ group: "ops", role: "operator" }],
    });

    const rotated = await call("PATCH", `${base}/${id}`, {
      key: t.adminKey,
      body: { oidc: { client_secret: "a-new-secret", scopes: ["openid", "groups"] } },
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.oidc.scopes).toEqual(["openid", "groups"]);
    const sealedAfter = await env.DB.prepare(
      "SELECT client_secret_enc FROM sso_providers WHERE id = ?",
    )
      .bind(id)
      .first<{ client_secret_enc: string }>();
    expect(sealedAfter?.client_secret_enc).not.toBe(sealedBefore?.client_secret_enc);

    idp.reachable = false;
    const unreachable = await call("PATCH", `${base}/${id}`, {
      key: t.adminKey,
      body: { oidc: { client_id: "other" } },
    });
    expectEnvelope(unreachable, 400, "BAD_REQUEST");
    idp.reachable = true;

    const wrongKind = await call("PATCH", `${base}/${id}`, {
      key: t.adminKey,
      body: { saml: { metadata_xml: "<x/>" } },
    });
    expect(expectEnvelope(wrongKind, 400, "BAD_REQUEST").details?.[0]?.path).toBe("saml");

    const deleted = await call("DELETE", `${base}/${id}`, { key: t.adminKey });
    expect(deleted.status, deleted.text).toBe(204);
    expectEnvelope(await call("GET", `${base}/${id}`, { key: t.adminKey }), 404, "NOT_FOUND");
    const audit = await orgAudit(t.orgId);
    expect(audit.map((a) => a.action)).toEqual([
      "sso_provider.created",
      "sso_provider.updated",
      "sso_provider.updated",
      "sso_provider.deleted",
    ]);
    expect(audit[2]?.diff).toContain('"client_secret_changed":true');
    expect(audit.map((a) => a.diff).join("")).not.toContain("a-new-secret");
  });

  it("names are unique per org", async () => {
    expect((await call("POST", base, { key: t.adminKey, body: oidcBody(idp) })).status).toBe(201);
    const again = await call("POST", base, { key: t.adminKey, body: oidcBody(idp) });
    expect(expectEnvelope(again, 409, "CONFLICT").details?.[0]?.path).toBe("name");
  });
});

describe("SAML providers", () => {
  it("accepts IdP metadata (preferring the redirect binding) and the manual triple", async () => {
    const fromXml = await call("POST", base, {
      key: t.adminKey,
      body: {
        kind: "saml",
        name: "SAML IdP",
        saml: {
          metadata_xml: samlIdpMetadata(
            "https://saml.idp.example/entity",
            "https://saml.idp.example/sso",
          ),
        },
      },
    });
    expect(fromXml.status, fromXml.text).toBe(201);
    expect(fromXml.body.saml).toMatchObject({
      idp_entity_id: "https://saml.idp.example/entity",
      sso_url: "https://saml.idp.example/sso",
      sso_binding: "redirect",
    });
    expect(fromXml.body.saml.certificates).toHaveLength(1);
    expect(fromXml.body.saml.certificates[0].sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const stored = await env.DB.prepare("SELECT config FROM sso_providers WHERE id = ?")
      .bind(fromXml.body.id)
      .first<{ config: string }>();
    const certs = JSON.parse(stored?.config ?? "{}").certificates as string[];
    expect(certs.map((c) => c.replace(/-----[A-Z ]+-----|\s+/g, ""))).toEqual([
      SAML_TEST_CERT_BODY,
    ]);

    const manual = await call("POST", base, {
      key: t.adminKey,
      body: {
        kind: "saml",
        name: "Manual",
        saml: {
          idp_entity_id: "urn:idp",
          sso_url: "https://saml.idp.example/sso",
          certificate: SAML_TEST_CERT_PEM,
        },
      },
    });
    expect(manual.status, manual.text).toBe(201);
    expect(manual.body.saml.certificates).toEqual(fromXml.body.saml.certificates);
  });

  it("refuses malformed metadata and bad certificates at save time", async () => {
    const bad: Array<[Record<string, string>, string, RegExp]> = [
      [{ metadata_xml: "<md:EntityDescriptor" }, "saml.metadata_xml", /well-formed/],
      [{ metadata_xml: "<root><child/></root>" }, "saml.metadata_xml", /EntityDescriptor/],
      [
        {
          metadata_xml: `<!DOCTYPE x [<!ENTITY a "b">]>${samlIdpMetadata("e", "https://s.example/sso")}`,
        },
        "saml.metadata_xml",
        /DOCTYPE/,
      ],
      [
        { metadata_xml: samlIdpMetadata("e", "https://s.example/sso", "bm90IGEgY2VydGlmaWNhdGU=") },
        "saml.metadata_xml",
        /X\.509/,
      ],
      [
        { metadata_xml: samlIdpMetadata("e", "http://127.0.0.1/sso") },
        "saml.metadata_xml",
        /loopback/,
      ],
      [
        {
          idp_entity_id: "e",
          sso_url: "https://s.example/sso",
          certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        },
        "saml.certificate",
        /X\.509/,
      ],
      [
        { idp_entity_id: "e", sso_url: "https://s.example/sso", certificate: "not base64 at all!" },
        "saml.certificate",
        /PEM or base64/,
      ],
      [
        {
          idp_entity_id: "e",
          sso_url: "https://s.example/sso",
          certificate: SAML_EXPIRED_CERT_PEM,
        },
        "saml.certificate",
        /expired on 2021-01-01/,
      ],
      [
        { idp_entity_id: "e", sso_url: "https://s.example/sso", certificate: SAML_WEAK_CERT_PEM },
        "saml.certificate",
        /1024 bits/,
      ],
    ];
    for (const [saml, path, message] of bad) {
      const res = await call("POST", base, {
        key: t.adminKey,
        body: { kind: "saml", name: "x", saml },
      });
      const error = expectEnvelope(res, 400, "BAD_REQUEST");
      expect(error.details?.[0]?.path, JSON.stringify(saml).slice(0, 80)).toBe(path);
      expect(error.message).toMatch(message);
    }
    expect(await orgAudit(t.orgId)).toEqual([]);
  });
});

describe("who may manage providers", () => {
  it("org admins only; other orgs see 404; mappings cannot grant more than the caller holds", async () => {
    const reader = await signedInUser(t.orgId, "reader");
    const operator = await signedInUser(t.orgId, "operator");
    for (const session of [reader.session, operator.session]) {
      expectEnvelope(await call("GET", base, asUser(session, { csrf: false })), 403, "FORBIDDEN");
      expectEnvelope(
        await call("POST", base, asUser(session, { body: oidcBody(idp) })),
        403,
        "FORBIDDEN",
      );
    }
    const other = await createTenant();
    expectEnvelope(await call("GET", base, { key: other.adminKey }), 404, "NOT_FOUND");
    const projectKey = await createApiKey({
      orgId: t.orgId,
      scopes: ["api_keys:admin"],
      projectId: t.projectId,
    });
    expectEnvelope(await call("GET", base, { key: projectKey }), 404, "NOT_FOUND");
    expectEnvelope(
      await call("GET", base, { key: await keyForRole(t.orgId, "operator") }),
      403,
      "FORBIDDEN",
    );

    // A key administering people but without every admin scope cannot map a group to admin.
    const limited = await createApiKey({
      orgId: t.orgId,
      scopes: ["api_keys:admin", "projects:read"],
    });
    const escalate = await call("POST", base, { key: limited, body: oidcBody(idp) });
    expect(expectEnvelope(escalate, 403, "FORBIDDEN").message).toMatch(/admin/);

    const admin = await signedInUser(t.orgId, "admin");
    const created = await call("POST", base, asUser(admin.session, { body: oidcBody(idp) }));
    expect(created.status, created.text).toBe(201);
    expectEnvelope(
      await call("PATCH", `${base}/${created.body.id}`, {
        key: other.adminKey,
        body: { name: "x" },
      }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(
      await call(
        "DELETE",
        `/api/v1/orgs/${await orgSlugOf(other.orgId)}/sso-providers/${created.body.id}`,
        {
          key: other.adminKey,
        },
      ),
      404,
      "NOT_FOUND",
    );
  });
});

describe("SSO policy", () => {
  it("requires an enabled provider, which then cannot be disabled or removed", async () => {
    const policy = `/api/v1/orgs/${slug}/sso-policy`;
    expect((await call("GET", policy, { key: t.adminKey })).body).toEqual({ sso_required: false });
    expectEnvelope(
      await call("PUT", policy, { key: t.adminKey, body: { sso_required: true } }),
      409,
      "CONFLICT",
    );
    const created = await call("POST", base, { key: t.adminKey, body: oidcBody(idp) });
    const on = await call("PUT", policy, { key: t.adminKey, body: { sso_required: true } });
    expect(on.status, on.text).toBe(200);
    expect((await call("GET", policy, { key: t.adminKey })).body).toEqual({ sso_required: true });
    const id = created.body.id as string;
    expectEnvelope(
      await call("PATCH", `${base}/${id}`, { key: t.adminKey, body: { enabled: false } }),
      409,
      "CONFLICT",
    );
    expectEnvelope(await call("DELETE", `${base}/${id}`, { key: t.adminKey }), 409, "CONFLICT");
    const off = await call("PUT", policy, { key: t.adminKey, body: { sso_required: false } });
    expect(off.status).toBe(200);
    expect(
      (await call("PATCH", `${base}/${id}`, { key: t.adminKey, body: { enabled: false } })).status,
    ).toBe(200);
    expect((await orgAudit(t.orgId)).map((a) => a.action)).toEqual([
      "sso_provider.created",
      "org.sso_policy_updated",
      "org.sso_policy_updated",
      "sso_provider.updated",
    ]);
    expectEnvelope(
      await call("PUT", policy, {
        key: await keyForRole(t.orgId, "operator"),
        body: { sso_required: false },
      }),
      403,
      "FORBIDDEN",
    );
  });
});
