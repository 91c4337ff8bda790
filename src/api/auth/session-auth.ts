/**
 * Cookie sessions as an operator credential: the resolver installed into operator auth, the
 * CSRF rule for cookie-authenticated mutations, and the cookie itself.
 *
 * The cookie is `HttpOnly; Secure; SameSite=Strict; Path=/api`. Chromium- and Firefox-based
 * browsers store Secure cookies from loopback origins over plain http (they are "potentially
 * trustworthy"), so the dev dashboard on http://127.0.0.1:8787 works without TLS; see
 * docs/auth-and-tenancy.md.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "../../auth/crypto";
import type { Principal } from "../../auth/principal";
import { type IssuedSession, type LoadedSession, loadSession } from "../../services/sessions";
import { forbidden } from "../errors";
import type { AppEnv } from "../hono";
import { setSessionResolver } from "../middleware/operator-auth";

/** Name of the session cookie. */
export const SESSION_COOKIE = "zcp_session";
/** Header carrying the session's CSRF token on cookie-authenticated mutations. */
export const CSRF_HEADER = "X-CSRF-Token";
/** The cookie is only ever needed by the API. */
const COOKIE_PATH = "/api";
/** Methods that change state and therefore need the CSRF token. */
const MUTATING_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/**
 * Paths where a cookie is not a credential: logging in again while signed in must not need the
 * old session's CSRF token, and the SAML ACS receives the IdP's form POST (which carries no
 * CSRF token, and is protected by its own browser binding).
 */
const COOKIELESS_PATHS = new Set(["/api/v1/auth/login"]);
const COOKIELESS_PATTERNS = [/^\/api\/v1\/auth\/saml\/[^/]+\/acs$/];
/** Session tokens are 32 random bytes in base64url; anything else is not worth a lookup. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The session token from the request's cookie, when well-formed. */
export function sessionToken(c: Context<AppEnv>): string | null {
  const token = getCookie(c, SESSION_COOKIE);
  return token !== undefined && TOKEN_PATTERN.test(token) ? token : null;
}

/** Loads the session (pending or complete) named by the request's cookie. */
export async function sessionFromCookie(c: Context<AppEnv>): Promise<LoadedSession | null> {
  const token = sessionToken(c);
  return token ? loadSession(c.get("services"), token) : null;
}

/**
 * CSRF rule: a mutation authenticated by the cookie must echo the session's CSRF token in
 * X-CSRF-Token (403 otherwise). A cross-site page can make the browser send the cookie but
 * cannot read the token. API-key requests never reach this (they carry no cookie credential).
 */
export function requireCsrf(c: Context<AppEnv>, csrfToken: string): void {
  if (!MUTATING_METHODS.has(c.req.method)) {
    return;
  }
  const sent = c.req.header(CSRF_HEADER);
  if (sent === undefined || !timingSafeEqual(sent, csrfToken)) {
    throw forbidden(`Missing or invalid ${CSRF_HEADER} header for a cookie-authenticated request`);
  }
}

/** Sessions resolved per request, so handlers needing more than the principal skip a reload. */
const resolvedSessions = new WeakMap<Request, LoadedSession>();

/** The complete session that authenticated this request (after `requireUser`), if any. */
export function resolvedSession(c: Context<AppEnv>): LoadedSession | undefined {
  return resolvedSessions.get(c.req.raw);
}

/** The principal for a complete (not pending-TOTP) session. */
export function sessionPrincipal(loaded: LoadedSession): Principal {
  return {
    kind: "user",
    userId: loaded.user.id,
    email: loaded.user.email,
    sessionId: loaded.session.id,
    csrfToken: loaded.session.csrfToken,
    roles: new Map(loaded.memberships.map((m) => [m.orgId, m.role])),
  };
}

/**
 * Operator-auth resolver for the session cookie. A pending-TOTP session authenticates nothing
 * (only POST /auth/totp reads it, itself). Enforces the CSRF rule before any handler runs.
 */
export async function resolveSession(c: Context<AppEnv>): Promise<Principal | null> {
  if (COOKIELESS_PATHS.has(c.req.path) || COOKIELESS_PATTERNS.some((re) => re.test(c.req.path))) {
    return null;
  }
  const loaded = await sessionFromCookie(c);
  if (!loaded || loaded.session.pendingTotp) {
    return null;
  }
  requireCsrf(c, loaded.session.csrfToken);
  resolvedSessions.set(c.req.raw, loaded);
  return sessionPrincipal(loaded);
}

/** Installs {@link resolveSession} into operator authentication (once, at app construction). */
export function registerSessionAuth(): void {
  setSessionResolver(resolveSession);
}

/** Sets the session cookie for an issued session. */
export function setSessionCookie(c: Context<AppEnv>, issued: IssuedSession, now: number): void {
  setCookie(c, SESSION_COOKIE, issued.token, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: COOKIE_PATH,
    // Rounded up: the cookie must not expire before the session does.
    maxAge: Math.max(1, Math.ceil((issued.expiresAt - now) / 1000)),
  });
}

/** Clears the session cookie in the browser. */
export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: COOKIE_PATH,
  });
}

/** Where the request came from, for the session row. */
export function requestOrigin(c: Context<AppEnv>): { ip: string | null; userAgent: string | null } {
  return {
    ip: c.req.header("cf-connecting-ip") ?? null,
    userAgent: c.req.header("user-agent") ?? null,
  };
}
