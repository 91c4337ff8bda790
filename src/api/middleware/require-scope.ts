import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { canSee, scopesIn } from "../../auth/principal";
import type { Scope } from "../../auth/scopes";
import { projects } from "../../db/schema";
import { forbidden, notFound } from "../errors";
import type { AppEnv } from "../hono";
import { requirePrincipal } from "./operator-auth";

/**
 * Route middleware: requires an operator principal holding `scope`. On routes with a
 * `{project}` path parameter it also resolves the project (tenant) once and stores it as
 * `project`; a project the principal cannot see is 404 (never 403 with details), one it can
 * see but lacks the scope for is 403.
 */
export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = requirePrincipal(c.get("principal"));
    const slug = c.req.param("project");
    if (slug === undefined) {
      if (!hasScopeSomewhere(principal, scope)) {
        throw forbidden(`Missing scope ${scope}`);
      }
      await next();
      return;
    }
    const { db } = c.get("services");
    const project = await db.query.projects.findFirst({ where: eq(projects.slug, slug) });
    if (!project || !canSee(principal, project.orgId, project.id)) {
      throw notFound(`Project '${slug}'`);
    }
    if (!scopesIn(principal, project.orgId, project.id).has(scope)) {
      throw forbidden(`Missing scope ${scope} on project '${slug}'`);
    }
    c.set("project", project);
    await next();
  });
}

function hasScopeSomewhere(
  principal: NonNullable<AppEnv["Variables"]["principal"]>,
  scope: Scope,
): boolean {
  if (principal.kind === "api_key") {
    return principal.scopes.has(scope);
  }
  for (const orgId of principal.roles.keys()) {
    if (scopesIn(principal, orgId, null).has(scope)) {
      return true;
    }
  }
  return false;
}
