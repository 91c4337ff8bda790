/**
 * OpenID Connect relying party: discovery and JWKS (fetched, checked and cached per isolate),
 * the authorization-code exchange with PKCE, and ID-token verification with `jose` (issuer,
 * audience, expiry, nonce and an asymmetric `alg` allow-list). Every failure is an
 * {@link OidcError} whose message is safe to show to the operator or the signing-in user.
 */
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from "jose";
import { outboundUrlProblem, type UrlPolicy } from "../notifications/url-guard";

/**
 * Signature algorithms accepted on ID tokens. Asymmetric only: `none` is never valid and HS*
 * would make the client secret a signing key that the IdP's other clients might know.
 */
export const ID_TOKEN_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

/** Discovery documents are reused this long before being fetched again. */
export const DISCOVERY_CACHE_TTL_MS = 10 * 60 * 1000;
/** A JWKS is refetched after this long, or sooner when a token names an unknown `kid`. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000;
/** Minimum time between JWKS refetches triggered by unknown `kid`s (limits abuse). */
export const JWKS_COOLDOWN_MS = 30 * 1000;
/** Budget of one request to the IdP. */
export const IDP_FETCH_TIMEOUT_MS = 5_000;
/** Largest discovery/JWKS/token response read. */
export const IDP_RESPONSE_MAX_BYTES = 256 * 1024;
/** Clock skew tolerated on `exp`/`iat`/`nbf`. */
export const ID_TOKEN_CLOCK_TOLERANCE_S = 60;

/** A refusal or failure while talking to, or verifying, an identity provider. */
export class OidcError extends Error {
  override name = "OidcError";
  /** Which input the problem is about (for error details), e.g. `issuer`. */
  readonly path: string;
  constructor(message: string, path = "id_token") {
    super(message);
    this.path = path;
  }
}

/** The parts of a discovery document the relying party uses, already checked. */
export interface OidcDiscovery {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Allowed ID-token algorithms: our allow-list, narrowed by what the IdP advertises. */
  algorithms: string[];
  /** Client authentication at the token endpoint we will use. */
  tokenEndpointAuth: "client_secret_basic" | "client_secret_post";
}

/** The discovery URL of an issuer (OpenID Connect Discovery 1.0 §4). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/** Fetches JSON from the IdP with a timeout, no redirects and a size cap. */
async function fetchJson(url: string, path: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(IDP_FETCH_TIMEOUT_MS),
      headers: { accept: "application/json", ...(init.headers ?? {}) },
    });
  } catch (err) {
    throw new OidcError(`${url} could not be reached: ${errorText(err)}`, path);
  }
  const text = await res.text();
  if (text.length > IDP_RESPONSE_MAX_BYTES) {
    throw new OidcError(`${url} answered more than ${IDP_RESPONSE_MAX_BYTES} bytes`, path);
  }
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!res.ok) {
    const detail = oauthErrorText(body) ?? `HTTP ${res.status}`;
    throw new OidcError(`${url} answered ${detail}`, path);
  }
  if (body === null || typeof body !== "object") {
    throw new OidcError(`${url} did not answer a JSON object`, path);
  }
  return body;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function oauthErrorText(body: unknown): string | null {
  if (body && typeof body === "object" && "error" in body && typeof body.error === "string") {
    const description =
      "error_description" in body && typeof body.error_description === "string"
        ? ` (${body.error_description.slice(0, 200)})`
        : "";
    return `${body.error}${description}`;
  }
  return null;
}

function endpoint(doc: Record<string, unknown>, name: string, policy: UrlPolicy): string {
  const value = doc[name];
  if (typeof value !== "string") {
    throw new OidcError(`discovery document has no ${name}`, "issuer");
  }
  const problem = outboundUrlProblem(value, policy);
  if (problem) {
    throw new OidcError(`discovery document's ${name} ${problem}`, "issuer");
  }
  return value;
}

function stringList(doc: Record<string, unknown>, name: string): string[] | null {
  const value = doc[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : null;
}

/**
 * Fetches and checks an issuer's discovery document: the `issuer` it states must be exactly the
 * configured one (OIDC Discovery §4.3), endpoints must pass the outbound-URL policy, the code
 * flow, S256 PKCE and at least one allowed signature algorithm must be supported, and a client
 * secret method we speak must be offered.
 */
export async function fetchDiscovery(issuer: string, policy: UrlPolicy): Promise<OidcDiscovery> {
  const problem = outboundUrlProblem(issuer, policy);
  if (problem) {
    throw new OidcError(`issuer ${problem}`, "issuer");
  }
  const url = discoveryUrl(issuer);
  const doc = (await fetchJson(url, "issuer")) as Record<string, unknown>;
  if (doc.issuer !== issuer) {
    throw new OidcError(
      `discovery document at ${url} states issuer ${JSON.stringify(doc.issuer)}, not ${JSON.stringify(issuer)}`,
      "issuer",
    );
  }
  const responseTypes = stringList(doc, "response_types_supported");
  if (responseTypes && !responseTypes.includes("code")) {
    throw new OidcError("the provider does not support the authorization code flow", "issuer");
  }
  const pkce = stringList(doc, "code_challenge_methods_supported");
  if (pkce && !pkce.includes("S256")) {
    throw new OidcError("the provider does not support PKCE with S256", "issuer");
  }
  const advertised = stringList(doc, "id_token_signing_alg_values_supported");
  const algorithms = ID_TOKEN_ALGORITHMS.filter((a) => !advertised || advertised.includes(a));
  if (algorithms.length === 0) {
    throw new OidcError(
      `the provider signs ID tokens only with ${advertised?.join(", ")}; allowed: ${ID_TOKEN_ALGORITHMS.join(", ")}`,
      "issuer",
    );
  }
  const authMethods = stringList(doc, "token_endpoint_auth_methods_supported") ?? [
    "client_secret_basic",
  ];
  const tokenEndpointAuth = authMethods.includes("client_secret_basic")
    ? "client_secret_basic"
    : authMethods.includes("client_secret_post")
      ? "client_secret_post"
      : null;
  if (!tokenEndpointAuth) {
    throw new OidcError(
      "the provider offers neither client_secret_basic nor client_secret_post",
      "issuer",
    );
  }
  return {
    issuer,
    authorizationEndpoint: endpoint(doc, "authorization_endpoint", policy),
    tokenEndpoint: endpoint(doc, "token_endpoint", policy),
    jwksUri: endpoint(doc, "jwks_uri", policy),
    algorithms,
    tokenEndpointAuth,
  };
}

/** Checks that a JWKS is reachable and holds at least one usable signing key. */
export async function checkJwks(discovery: OidcDiscovery): Promise<void> {
  const doc = (await fetchJson(discovery.jwksUri, "issuer")) as { keys?: unknown };
  const keys = Array.isArray(doc.keys) ? doc.keys : [];
  const usable = keys.filter(
    (k): k is Record<string, unknown> =>
      k !== null &&
      typeof k === "object" &&
      ["RSA", "EC", "OKP"].includes(String((k as Record<string, unknown>).kty)) &&
      ((k as Record<string, unknown>).use === undefined ||
        (k as Record<string, unknown>).use === "sig"),
  );
  if (usable.length === 0) {
    throw new OidcError(`JWKS at ${discovery.jwksUri} has no asymmetric signing key`, "issuer");
  }
}

const discoveryCache = new Map<string, { doc: OidcDiscovery; fetchedAt: number }>();
const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

/** Discovery for an issuer, from the isolate cache while fresh. */
export async function cachedDiscovery(
  issuer: string,
  policy: UrlPolicy,
  now: number,
): Promise<OidcDiscovery> {
  const hit = discoveryCache.get(issuer);
  if (hit && now - hit.fetchedAt < DISCOVERY_CACHE_TTL_MS) {
    return hit.doc;
  }
  const doc = await fetchDiscovery(issuer, policy);
  discoveryCache.set(issuer, { doc, fetchedAt: now });
  return doc;
}

/** Stores a freshly validated discovery document (saving a provider fetched it already). */
export function rememberDiscovery(doc: OidcDiscovery, now: number): void {
  discoveryCache.set(doc.issuer, { doc, fetchedAt: now });
}

function remoteJwks(jwksUri: string): ReturnType<typeof createRemoteJWKSet> {
  let set = jwksCache.get(jwksUri);
  if (!set) {
    set = createRemoteJWKSet(new URL(jwksUri), {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: IDP_FETCH_TIMEOUT_MS,
    });
    jwksCache.set(jwksUri, set);
  }
  return set;
}

/** The S256 PKCE challenge of a verifier (RFC 7636 §4.2). */
export async function pkceChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  let binary = "";
  for (const b of new Uint8Array(digest)) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Parameters of an authorization request. */
export interface AuthorizeParams {
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  nonce: string;
  codeChallenge: string;
}

/** The IdP URL the browser is sent to (authorization code flow, PKCE S256). */
export function authorizeUrl(discovery: OidcDiscovery, p: AuthorizeParams): string {
  const url = new URL(discovery.authorizationEndpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("redirect_uri", p.redirectUri);
  url.searchParams.set("scope", p.scopes.join(" "));
  url.searchParams.set("state", p.state);
  url.searchParams.set("nonce", p.nonce);
  url.searchParams.set("code_challenge", p.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

/** Client credentials and the values bound to one login attempt. */
export interface CodeExchange {
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

/** Exchanges an authorization code for the ID token (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export async function exchangeCode(discovery: OidcDiscovery, x: CodeExchange): Promise<string> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: x.code,
    redirect_uri: x.redirectUri,
    code_verifier: x.codeVerifier,
  });
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (discovery.tokenEndpointAuth === "client_secret_basic") {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const user = encodeURIComponent(x.clientId);
    const pass = encodeURIComponent(x.clientSecret);
    headers.authorization = `Basic ${btoa(`${user}:${pass}`)}`;
  } else {
    form.set("client_id", x.clientId);
    form.set("client_secret", x.clientSecret);
  }
  let body: Record<string, unknown>;
  try {
    body = (await fetchJson(discovery.tokenEndpoint, "code", {
      method: "POST",
      headers,
      body: form.toString(),
    })) as Record<string, unknown>;
  } catch (err) {
    throw err instanceof OidcError
      ? new OidcError(`The identity provider refused the code: ${err.message}`, "code")
      : err;
  }
  if (typeof body.id_token !== "string") {
    throw new OidcError("The token response has no id_token", "code");
  }
  return body.id_token;
}

/** What the ID token must match. */
export interface IdTokenExpectations {
  clientId: string;
  nonce: string;
  now: number;
}

/**
 * Verifies an ID token (OIDC Core §3.1.3.7): signature by a key of the issuer's JWKS with an
 * allowed algorithm, `iss` exactly the issuer, `aud` containing the client (and `azp` equal to
 * it when there are several audiences), `exp`/`iat` within the clock tolerance, and `nonce`
 * equal to the one stored for this login attempt.
 */
export async function verifyIdToken(
  discovery: OidcDiscovery,
  idToken: string,
  expect: IdTokenExpectations,
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, remoteJwks(discovery.jwksUri), {
      issuer: discovery.issuer,
      audience: expect.clientId,
      algorithms: discovery.algorithms,
      currentDate: new Date(expect.now),
      clockTolerance: ID_TOKEN_CLOCK_TOLERANCE_S,
      requiredClaims: ["sub", "iat", "exp"],
    }));
  } catch (err) {
    throw new OidcError(`ID token refused: ${idTokenProblem(err)}`);
  }
  if (payload.nonce !== expect.nonce) {
    throw new OidcError("ID token refused: nonce does not match this sign-in attempt");
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expect.clientId) {
    throw new OidcError("ID token refused: several audiences and azp is not this client");
  }
  return payload;
}

/** A short reason for a jose verification failure. */
function idTokenProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) {
    return "expired";
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const names: Record<string, string> = { iss: "wrong issuer", aud: "wrong audience" };
    return names[err.claim] ?? `claim ${err.claim} ${err.reason}`;
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return "signature algorithm not allowed";
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return "signature does not verify";
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return "no key of the provider's JWKS matches";
  }
  if (err instanceof joseErrors.JOSEError) {
    return err.message;
  }
  return errorText(err);
}
