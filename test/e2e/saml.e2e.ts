/**
 * SAML sign-in against `wrangler dev` (the Worker as esbuild bundles it, xml-crypto on
 * workerd's node:crypto): a fresh org with a SAML provider for a locally generated IdP key,
 * AuthnRequest → signed Response → ACS → session, plus one refusal. HTTP only: the IdP is this
 * test, so there is no IdP page for a browser to visit.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { decodeRedirectRequest } from "../../src/auth/saml";
import { createTestIdp, signedResponse, type TestIdp, toBase64Field } from "../unit/auth/saml-idp";

const ctx = inject("e2e");
const slug = `saml-${randomUUID().slice(0, 8)}`;
let idp: TestIdp;
let providerId = "";

async function admin(path: string, body: unknown, session: { cookie: string; csrf: string }) {
  const res = await fetch(`${ctx.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      cookie: session.cookie,
      "x-csrf-token": session.csrf,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${path} → ${res.status} ${text}`);
  }
  return JSON.parse(text) as { id: string };
}

beforeAll(async () => {
  const login = await fetch(`${ctx.baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: ctx.adminEmail, password: ctx.adminPassword }),
  });
  const cookie = /zcp_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")?.[0] ?? "";
  const session = { cookie, csrf: ((await login.json()) as { csrf_token: string }).csrf_token };
  await admin("/api/v1/orgs", { slug, name: "SAML e2e" }, session);
  idp = await createTestIdp();
  providerId = (
    await admin(
      `/api/v1/orgs/${slug}/sso-providers`,
      {
        kind: "saml",
        name: "Test IdP",
        role_mappings: [{ group: "ops", role: "operator" }],
        saml: {
          idp_entity_id: idp.entityId,
          sso_url: "https://idp.example.test/sso",
          certificate: idp.certPem,
        },
      },
      session,
    )
  ).id;
});

async function start() {
  const res = await fetch(`${ctx.baseUrl}/api/v1/auth/saml/${slug}/login?provider=${providerId}`, {
    redirect: "manual",
  });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get("location") ?? "");
  const xml = decodeRedirectRequest(location.searchParams.get("SAMLRequest") ?? "");
  const requestId = /\bID="([^"]+)"/.exec(xml)?.[1] ?? "";
  const cookie = /zcp_saml=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0] ?? "";
  return { requestId, cookie };
}

async function acs(xml: string, cookie: string) {
  return fetch(`${ctx.baseUrl}/api/v1/auth/saml/${slug}/acs`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ SAMLResponse: toBase64Field(xml) }).toString(),
  });
}

describe("SAML on wrangler dev", () => {
  it("signs in through the ACS and refuses a wrong audience", async () => {
    const base = `${ctx.baseUrl}/api/v1/auth/saml/${slug}`;
    const email = `saml-${randomUUID().slice(0, 8)}@example.com`;
    const spec = (requestId: string, over = {}) => ({
      issuer: idp.entityId,
      spEntityId: `${base}/metadata`,
      acsUrl: `${base}/acs`,
      inResponseTo: requestId,
      now: Date.now(),
      nameId: email,
      attributes: { email: [email], groups: ["ops"] },
      ...over,
    });

    const refusedStart = await start();
    const refused = await acs(
      signedResponse(idp, spec(refusedStart.requestId, { audience: "https://other.example" })),
      refusedStart.cookie,
    );
    expect(refused.status).toBe(401);
    expect(JSON.stringify(await refused.json())).toContain("wrong_audience");

    const { requestId, cookie } = await start();
    const res = await acs(signedResponse(idp, spec(requestId), "both"), cookie);
    expect(res.status, await res.text()).toBe(303);
    const session = /zcp_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0] ?? "";
    const me = await fetch(`${ctx.baseUrl}/api/v1/auth/me`, { headers: { cookie: session } });
    const body = (await me.json()) as {
      user: { email: string };
      memberships: Array<{ org_slug: string; role: string }>;
    };
    expect(body.user.email).toBe(email);
    expect(body.memberships).toEqual([
      expect.objectContaining({ org_slug: slug, role: "operator" }),
    ]);
  });
});
