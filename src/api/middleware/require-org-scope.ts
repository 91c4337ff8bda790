import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { canSee, type Principal, scopesIn } from "../../auth/principal";
import type { Scope } from "../../auth/scopes";
import { orgs } from "../../db/schema";
import type { Services } from "../../services";
import { badRequest, forbidden, notFound } from "../errors";
import type { AppEnv } from "../hono";
import { requirePrincipal } from "./operator-auth";

/** An org row. */
export type OrgRow = typeof orgs.$inferSelect;

/** AppEnv plus the org resolved by {@link requireOrgScope}. */
export type OrgEnv = AppEnv & { Variables: AppEnv["Variables"] & { org: OrgRow } };

/**
 * Route middleware for `/orgs/{org}/…`: resolves the org slug and requires `scope` at org level.
 * An org the principal cannot see (not a member; another org's key; a project-limited key,
 * which sees no org-level resources) is 404; a visible org without the scope is 403. Runs before
 * request validation, so unauthorised callers learn nothing from validation errors.
 */
export function requireOrgScope(scope: Scope) {
  return createMiddleware<OrgEnv>(async (c, next) => {
    const principal = requirePrincipal(c.get("principal"));
    const slug = c.req.param("org") ?? "";
    const { db } = c.get("services");
    const org = await db.query.orgs.findFirst({ where: eq(orgs.slug, slug) });
    if (!org || !canSee(principal, org.id, null)) {
      throw notFound(`Org '${slug}'`);
    }
    if (!scopesIn(principal, org.id, null).has(scope)) {
      throw forbidden(`Missing scope ${scope} in org '${slug}'`);
    }
    c.set("org", org);
    await next();
  });
}

/**
 * For routes naming the org in the body (`org`, optional): the named org, or when omitted the
 * only org where the principal holds `scope` at org level. An org the principal cannot see is
 * 404; one it sees without the scope is 403. A project-limited key sees no org-level scope.
 */
export async function resolveOrgForScope(
  services: Services,
  principal: Principal,
  slug: string | undefined,
  scope: Scope,
): Promise<OrgRow> {
  if (slug !== undefined) {
    const org = await services.db.query.orgs.findFirst({ where: eq(orgs.slug, slug) });
    if (!org || !canSee(principal, org.id, null)) {
      throw notFound(`Org '${slug}'`);
    }
    if (!scopesIn(principal, org.id, null).has(scope)) {
      throw forbidden(`Missing scope ${scope} in org '${slug}'`);
    }
    return org;
  }
  const orgIds = principal.kind === "api_key" ? [principal.orgId] : [...principal.roles.keys()];
  const candidates = orgIds.filter((id) => scopesIn(principal, id, null).has(scope));
  const [only] = candidates;
  if (candidates.length > 1) {
    throw badRequest("Name the org: you hold this permission in several", [
      { path: "org", message: "required when you administer more than one org" },
    ]);
  }
  if (only === undefined) {
    throw forbidden(`Missing scope ${scope} at org level`);
  }
  const org = await services.db.query.orgs.findFirst({ where: eq(orgs.id, only) });
  if (!org) {
    throw notFound("Org");
  }
  return org;
}
