/** Pieces shared by the OIDC sign-in routes: the org lookup and the browser-binding cookie. */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { orgs } from "../../../db/schema";
import type { Services } from "../../../services";
import { notFound } from "../../errors";
import type { AppEnv } from "../../hono";
import type { OrgRow } from "../../middleware/require-org-scope";
import { SSO_STATE_TTL_MS } from "../../sso/login-state";

/** Cookie binding a started sign-in to the browser that started it. */
export const SSO_BROWSER_COOKIE = "zcp_sso";
/**
 * Only the sign-in routes need it. SameSite=Lax, not Strict: the callback is a top-level
 * navigation coming from the IdP's site, on which Strict cookies are not sent.
 */
const COOKIE_OPTIONS = {
  httpOnly: true,
  secure: true,
  sameSite: "Lax",
  path: "/api/v1/auth/sso",
} as const;

/** The org named in the path; 404 when there is none. */
export async function orgBySlug(services: Services, slug: string): Promise<OrgRow> {
  const org = await services.db.query.orgs.findFirst({ where: eq(orgs.slug, slug) });
  if (!org) {
    throw notFound(`Org '${slug}'`);
  }
  return org;
}

/** Sets the browser-binding cookie for a started sign-in. */
export function setBrowserCookie(c: Context<AppEnv>, secret: string): void {
  setCookie(c, SSO_BROWSER_COOKIE, secret, {
    ...COOKIE_OPTIONS,
    maxAge: Math.ceil(SSO_STATE_TTL_MS / 1000),
  });
}

/** The browser-binding secret sent with the callback, if any. */
export function browserCookie(c: Context<AppEnv>): string | undefined {
  return getCookie(c, SSO_BROWSER_COOKIE);
}

/** Clears the browser-binding cookie (the sign-in attempt is over). */
export function clearBrowserCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SSO_BROWSER_COOKIE, COOKIE_OPTIONS);
}
