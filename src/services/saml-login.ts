/**
 * The stateful half of SAML sign-in: AuthnRequests bound to the browser that started them, and
 * assertion-id replay protection. The pure validation lives in `src/auth/saml/`.
 *
 * Binding: starting a sign-in sets a random token in a cookie and stores SHA-256(token) with
 * the request ID. The ACS consumes the row named by the cookie (DELETE … RETURNING, so each
 * request is answered at most once) and requires the response's InResponseTo to be that ID. A
 * response captured elsewhere, or posted into another browser (login CSRF), finds no row.
 */
import { randomBytes, sha256Hex, toBase64Url } from "../auth/crypto";
import {
  AUTHN_REQUEST_TTL_MS,
  authnRequestRedirectUrl,
  newRequestId,
  type SamlAssertion,
  SamlError,
  validateSamlResponse,
} from "../auth/saml";
import type { Services } from ".";

/** What the SAML flow needs from a configured provider (see `samlIdpOf`). */
export interface SamlIdp {
  id: string;
  orgId: string;
  idpEntityId: string;
  /** The IdP's HTTP-Redirect SingleSignOnService URL. */
  ssoUrl: string;
  /** PEM (or base64 DER) signing certificates; several during a key rollover. */
  certificatesPem: string[];
}

/** Our endpoints for one org. */
export interface SpEndpoints {
  /** SP entity id: the metadata URL (a common convention IdPs display as-is). */
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
  loginUrl: string;
}

/** The SP endpoints of an org, under the control plane's public origin. */
export function spEndpoints(origin: string, orgSlug: string): SpEndpoints {
  const base = `${origin}/api/v1/auth/saml/${encodeURIComponent(orgSlug)}`;
  return {
    entityId: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    metadataUrl: `${base}/metadata`,
    loginUrl: `${base}/login`,
  };
}

/** Path where a browser starts signing in with a SAML provider. */
export function samlLoginPath(orgSlug: string, providerId: string): string {
  return `/api/v1/auth/saml/${encodeURIComponent(orgSlug)}/login?provider=${providerId}`;
}

/** A started sign-in: where to send the browser and the binding token for its cookie. */
export interface StartedSamlLogin {
  redirectUrl: string;
  bindingToken: string;
  requestId: string;
  expiresAt: number;
}

/** Stores a new AuthnRequest and returns the IdP redirect. */
export async function startSamlLogin(
  services: Services,
  provider: SamlIdp,
  sp: SpEndpoints,
  returnTo: string,
): Promise<StartedSamlLogin> {
  const now = services.clock.now();
  const requestId = newRequestId();
  const bindingToken = toBase64Url(randomBytes(32));
  const expiresAt = now + AUTHN_REQUEST_TTL_MS;
  await services.d1
    .prepare(
      `INSERT INTO saml_requests (id, binding_hash, org_id, provider_id, return_to, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      requestId,
      await sha256Hex(bindingToken),
      provider.orgId,
      provider.id,
      returnTo,
      now,
      expiresAt,
    )
    .run();
  const redirectUrl = authnRequestRedirectUrl({
    id: requestId,
    issueInstant: now,
    spEntityId: sp.entityId,
    acsUrl: sp.acsUrl,
    idpSsoUrl: provider.ssoUrl,
  });
  return { redirectUrl, bindingToken, requestId, expiresAt };
}

/** A pending request, consumed by the ACS. */
export interface ConsumedSamlRequest {
  id: string;
  orgId: string;
  providerId: string;
  returnTo: string;
}

/**
 * Takes (deletes) the pending request of `orgId` named by the browser's binding token. Returns
 * null when there is none or it has expired (an expired row is deleted all the same).
 */
export async function takeSamlRequest(
  services: Services,
  orgId: string,
  bindingToken: string,
): Promise<ConsumedSamlRequest | null> {
  const row = await services.d1
    .prepare(
      `DELETE FROM saml_requests WHERE binding_hash = ? AND org_id = ?
       RETURNING id, org_id, provider_id, return_to, expires_at`,
    )
    .bind(await sha256Hex(bindingToken), orgId)
    .first<{
      id: string;
      org_id: string;
      provider_id: string;
      return_to: string;
      expires_at: number;
    }>();
  if (!row || row.expires_at <= services.clock.now()) {
    return null;
  }
  return { id: row.id, orgId: row.org_id, providerId: row.provider_id, returnTo: row.return_to };
}

/**
 * Validates the response against the consumed request and records the assertion id. Throws
 * `SamlError` (with `replayed` when the id was already accepted for this provider).
 */
export async function acceptSamlResponse(
  services: Services,
  provider: SamlIdp,
  sp: SpEndpoints,
  request: ConsumedSamlRequest,
  responseXml: string,
): Promise<SamlAssertion> {
  const now = services.clock.now();
  const assertion = validateSamlResponse(
    responseXml,
    {
      spEntityId: sp.entityId,
      acsUrl: sp.acsUrl,
      idpEntityId: provider.idpEntityId,
      idpCertificatesPem: provider.certificatesPem,
    },
    { expectedRequestId: request.id, now },
  );
  const inserted = await services.d1
    .prepare(
      `INSERT INTO saml_assertion_ids (provider_id, assertion_id, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (provider_id, assertion_id) DO NOTHING`,
    )
    .bind(provider.id, assertion.assertionId, assertion.replayUntil)
    .run();
  if (inserted.meta.changes !== 1) {
    throw new SamlError("replayed", "This assertion was already used to sign in");
  }
  return assertion;
}

/** Attribute names IdPs commonly use for the email address, tried in order. */
export const EMAIL_ATTRIBUTES = [
  "email",
  "mail",
  "emailAddress",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
  "urn:oid:0.9.2342.19200300.100.1.3",
];
/** Attribute names IdPs commonly use for group membership, merged. */
export const GROUP_ATTRIBUTES = [
  "groups",
  "memberOf",
  "Role",
  "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The email and groups of a verified assertion: the configured attribute (or the common names),
 * falling back to the NameID when it is an email address. Null email → the sign-in is refused.
 */
export function identityFromAssertion(
  assertion: SamlAssertion,
  opts: { emailAttribute?: string | null; groupsAttribute?: string | null } = {},
): { email: string | null; groups: string[] } {
  const emailNames = opts.emailAttribute ? [opts.emailAttribute] : EMAIL_ATTRIBUTES;
  const fromAttr = emailNames
    .map((n) => assertion.attributes[n]?.[0])
    .find((v): v is string => v !== undefined && EMAIL.test(v));
  const email = fromAttr ?? (EMAIL.test(assertion.nameId) ? assertion.nameId : null);
  const groupNames = opts.groupsAttribute ? [opts.groupsAttribute] : GROUP_ATTRIBUTES;
  const groups = [...new Set(groupNames.flatMap((n) => assertion.attributes[n] ?? []))];
  return { email: email?.toLowerCase() ?? null, groups };
}
