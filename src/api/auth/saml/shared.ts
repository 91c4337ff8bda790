/**
 * Shared pieces of the SAML routes: the org by slug, the SP endpoints on the origin serving the
 * request, the browser-binding cookie and the mapping from a stored provider to what the SAML
 * service needs.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { orgs } from "../../../db/schema";
import { type SamlIdp, type SpEndpoints, spEndpoints } from "../../../services/saml-login";
import { notFound } from "../../errors";
import type { AppEnv } from "../../hono";
import type { SamlProviderRow } from "../../sso/providers";

/** Cookie binding an AuthnRequest to the browser that started it. */
export const SAML_BINDING_COOKIE = "zcp_saml";
/** Only the ACS routes need the binding cookie. */
const BINDING_COOKIE_PATH = "/api/v1/auth/saml/";
/** Binding tokens are 32 random bytes in base64url. */
const BINDING_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The `{org}` path parameter (slug). */
export const ORG_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The org named by its slug; 404 when there is none. */
export async function orgBySlug(c: Context<AppEnv>, slug: string) {
  const org = ORG_SLUG_PATTERN.test(slug)
    ? await c.get("services").db.query.orgs.findFirst({ where: eq(orgs.slug, slug) })
    : undefined;
  if (!org) {
    throw notFound("Org");
  }
  return org;
}

/** Our SP endpoints for the org, on the origin that serves this request. */
export function endpointsFor(c: Context<AppEnv>, orgSlug: string): SpEndpoints {
  return spEndpoints(new URL(c.req.url).origin, orgSlug);
}

/** What the SAML service needs from a stored provider. */
export function samlIdpOf(row: SamlProviderRow): SamlIdp {
  return {
    id: row.id,
    orgId: row.orgId,
    idpEntityId: row.config.idp_entity_id,
    ssoUrl: row.config.sso_url,
    certificatesPem: row.config.certificates,
  };
}

/**
 * Sets the binding cookie. SameSite=None because the IdP's POST to the ACS is a cross-site
 * navigation that Lax and Strict cookies do not accompany; HttpOnly and Secure, scoped to the
 * SAML paths and to the request's lifetime.
 */
export function setBindingCookie(c: Context<AppEnv>, token: string, maxAgeS: number): void {
  setCookie(c, SAML_BINDING_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: "None",
    path: BINDING_COOKIE_PATH,
    maxAge: maxAgeS,
  });
}

/** The binding token from the request's cookie, when well-formed. */
export function bindingToken(c: Context<AppEnv>): string | null {
  const token = getCookie(c, SAML_BINDING_COOKIE);
  return token !== undefined && BINDING_TOKEN.test(token) ? token : null;
}

/** Clears the binding cookie (each request is answered once). */
export function clearBindingCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SAML_BINDING_COOKIE, {
    httpOnly: true,
    secure: true,
    sameSite: "None",
    path: BINDING_COOKIE_PATH,
  });
}
