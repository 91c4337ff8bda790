import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Principal } from "../../auth/principal";
import { forbidden } from "../errors";
import type { AppEnv } from "../hono";
import { requirePrincipal } from "./operator-auth";

/** A signed-in dashboard user. */
export type UserPrincipal = Extract<Principal, { kind: "user" }>;

/**
 * Route middleware for routes any authenticated operator may call (they show the caller its
 * own data): 401 without credentials, before the request is validated.
 */
export const requireAuthenticated = createMiddleware<AppEnv>(async (c, next) => {
  requirePrincipal(c.get("principal"));
  await next();
});

/**
 * Route middleware for routes about a person rather than a tenant (their org list, TOTP,
 * creating orgs): needs a signed-in user; an API key is 403 (keys belong to one org and have no
 * second factor).
 */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  currentUser(c);
  await next();
});

/** The signed-in user principal; 401 without credentials, 403 for an API key. */
export function currentUser(c: Context<AppEnv>): UserPrincipal {
  const principal = requirePrincipal(c.get("principal"));
  if (principal.kind !== "user") {
    throw forbidden("This route needs a signed-in user session, not an API key");
  }
  return principal;
}
