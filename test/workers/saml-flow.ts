/**
 * Drives the SAML sign-in like a browser and a test IdP would: create a SAML provider through
 * the API, start sign-in (keeping the `zcp_saml` cookie), let the test IdP answer the
 * AuthnRequest with a signed Response, and post it to the ACS.
 */
import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { decodeRedirectRequest } from "../../src/auth/saml";
import {
  createTestIdp,
  type ResponseSpec,
  signedResponse,
  type TestIdp,
  toBase64Field,
} from "../unit/auth/saml-idp";
import { type CallResult, call, createTenant, type Tenant } from "./harness";

/** Origin the harness calls the Worker on. */
export const ORIGIN = "http://zcp.test";

/** A tenant with a SAML provider backed by a test IdP. */
export interface SamlSetup {
  tenant: Tenant;
  orgSlug: string;
  idp: TestIdp;
  providerId: string;
  acsUrl: string;
  spEntityId: string;
}

/** Role mappings every setup uses. */
export const SAML_GROUPS = { admins: "zcp-admins", readers: "zcp-readers" } as const;

/** The slug of an org created by the harness. */
export async function orgSlugOf(orgId: string): Promise<string> {
  const row = await env.DB.prepare("SELECT slug FROM orgs WHERE id = ?")
    .bind(orgId)
    .first<{ slug: string }>();
  if (!row) {
    throw new Error(`no org ${orgId}`);
  }
  return row.slug;
}

/** Creates a tenant and a SAML provider (through the provider API) for a fresh test IdP. */
export async function setupSaml(
  opts: { tenant?: Tenant; idp?: TestIdp; name?: string } = {},
): Promise<SamlSetup> {
  const tenant = opts.tenant ?? (await createTenant());
  const orgSlug = await orgSlugOf(tenant.orgId);
  const idp = opts.idp ?? (await createTestIdp());
  const res = await call<{ id: string }>("POST", `/api/v1/orgs/${orgSlug}/sso-providers`, {
    key: tenant.adminKey,
    body: {
      kind: "saml",
      name: opts.name ?? "Keycloak",
      email_domains: ["example.com"],
      role_mappings: [
        { group: SAML_GROUPS.admins, role: "admin" },
        { group: SAML_GROUPS.readers, role: "reader" },
      ],
      saml: {
        idp_entity_id: idp.entityId,
        sso_url: "https://idp.example.test/realms/acme/protocol/saml",
        certificate: idp.certPem,
      },
    },
  });
  expect(res.status, res.text).toBe(201);
  const base = `${ORIGIN}/api/v1/auth/saml/${orgSlug}`;
  return {
    tenant,
    orgSlug,
    idp,
    providerId: res.body.id,
    acsUrl: `${base}/acs`,
    spEntityId: `${base}/metadata`,
  };
}

/** A started sign-in as the browser holds it. */
export interface StartedLogin {
  /** `zcp_saml=<token>`, for the Cookie header. */
  cookie: string;
  /** The AuthnRequest ID the IdP must answer. */
  requestId: string;
  /** The decoded AuthnRequest XML. */
  requestXml: string;
  location: URL;
  setCookie: string;
}

/**
 * Calls the Worker like `call`, but hands back redirects instead of following them (a browser
 * would follow them to the IdP or the dashboard; the tests look at them).
 */
export async function callNoRedirect(
  method: string,
  path: string,
  opts: { body?: string; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}${path}`, {
      method,
      headers: opts.headers,
      body: opts.body,
      redirect: "manual",
    }),
  );
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** GET …/login and pick the AuthnRequest and the binding cookie out of the redirect. */
export async function startLogin(setup: SamlSetup, query = ""): Promise<StartedLogin> {
  const res = await callNoRedirect("GET", `/api/v1/auth/saml/${setup.orgSlug}/login${query}`);
  expect(res.status, res.text).toBe(302);
  const location = new URL(res.headers.get("location") ?? "");
  const requestXml = decodeRedirectRequest(location.searchParams.get("SAMLRequest") ?? "");
  const requestId = /\bID="([^"]+)"/.exec(requestXml)?.[1];
  const setCookie = res.headers.get("set-cookie") ?? "";
  const cookie = /(zcp_saml=[^;]+)/.exec(setCookie)?.[1];
  if (!requestId || !cookie) {
    throw new Error(`no request id or cookie: ${requestXml} / ${setCookie}`);
  }
  return { cookie, requestId, requestXml, location, setCookie };
}

/** A Response spec answering `requestId` for `setup` (defaults: valid, a new admin user). */
export function answer(
  setup: SamlSetup,
  requestId: string | null,
  over: Partial<ResponseSpec> = {},
): ResponseSpec {
  // A fresh person per answer: an account in several orgs may not sign in through one org's IdP.
  const email = `user-${crypto.randomUUID().slice(0, 8)}@example.com`;
  return {
    issuer: setup.idp.entityId,
    spEntityId: setup.spEntityId,
    acsUrl: setup.acsUrl,
    inResponseTo: requestId,
    now: Date.now(),
    nameId: email,
    attributes: { email: [email], groups: [SAML_GROUPS.admins] },
    ...over,
  };
}

/** POSTs a SAMLResponse (XML) to the ACS, as the IdP's auto-submitting form does. */
export function postAcs(
  setup: SamlSetup,
  xml: string,
  cookie: string | null,
  extraCookie?: string,
): Promise<CallResult> {
  const cookies = [cookie, extraCookie].filter((c): c is string => Boolean(c)).join("; ");
  return callNoRedirect("POST", `/api/v1/auth/saml/${setup.orgSlug}/acs`, {
    body: new URLSearchParams({ SAMLResponse: toBase64Field(xml), RelayState: "x" }).toString(),
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(cookies ? { cookie: cookies } : {}),
    },
  });
}

/** Full sign-in; returns the ACS answer. */
export async function signIn(
  setup: SamlSetup,
  over: Partial<ResponseSpec> = {},
  sign: "assertion" | "response" | "both" = "assertion",
): Promise<CallResult> {
  const started = await startLogin(setup);
  const xml = signedResponse(setup.idp, answer(setup, started.requestId, over), sign);
  return postAcs(setup, xml, started.cookie);
}

/** The `zcp_session=…` pair from a response, or null. */
export function sessionFrom(res: CallResult): string | null {
  return /(zcp_session=[^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1] ?? null;
}
