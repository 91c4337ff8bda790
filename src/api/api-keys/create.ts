import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { actorOf, canSee, type Principal, scopesIn } from "../../auth/principal";
import type { Scope } from "../../auth/scopes";
import { API_KEY_PREFIX, mintSecret } from "../../auth/tokens";
import { apiKeys, orgs, projects } from "../../db/schema";
import type { ProjectRow, Services } from "../../services";
import { ApiError, badRequest, forbidden, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { resolveOrgForScope } from "../middleware/require-org-scope";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { apiKeySchema, scopeSchema, toApiKey } from "./schema";

/** Longest lifetime a new key may be given: five years. */
const MAX_EXPIRES_IN_S = 5 * 365 * 24 * 60 * 60;

const body = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "ci deploy" }),
    scopes: z
      .array(scopeSchema)
      .min(1, "must name at least one scope (an empty list never means full access)")
      .max(32)
      .openapi({ example: ["bundles:write", "rollouts:write"] }),
    project: z.string().min(1).max(64).optional().openapi({
      description: "Project slug: the key then works only for that project",
      example: "demo",
    }),
    org: z.string().min(1).max(64).optional().openapi({
      description: "Org slug; may be omitted when you administer exactly one org",
    }),
    expires_in_s: z.number().int().min(60).max(MAX_EXPIRES_IN_S).optional().openapi({
      description:
        "Lifetime in seconds; omitted = no expiry (or, for a key created by an expiring key, that key's expiry)",
      example: 2_592_000,
    }),
  })
  .openapi("CreateApiKey");

const created = apiKeySchema
  .extend({ key: z.string().openapi({ example: "zcp_Xk3mP9aQ…", description: "Shown once" }) })
  .openapi("CreatedApiKey");

const route = createRoute({
  method: "post",
  path: "/api/v1/api-keys",
  tags: ["API keys"],
  summary: "Create an API key (the key is shown once)",
  description:
    "Needs api_keys:admin where the key will live. No escalation: the scopes must all be among " +
    "your own scopes there, a project-limited caller can only create keys limited to its own " +
    "project, and a key created by an expiring key cannot outlive it. Unknown scope names and an " +
    "empty list are 400.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireScope("api_keys:admin")] as const,
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: created } } },
    ...operatorErrors,
  },
});

/** POST /api/v1/api-keys */
export const registerCreateApiKey = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const input = c.req.valid("json");
    const { orgId, project } = await keyHome(services, principal, input.project, input.org);
    const held = scopesIn(principal, orgId, project?.id ?? null);
    if (!held.has("api_keys:admin")) {
      throw forbidden(
        project
          ? `Missing scope api_keys:admin on project '${project.slug}'`
          : "Missing scope api_keys:admin in this org",
      );
    }
    const scopes = [...new Set<Scope>(input.scopes)];
    const beyond = scopes.filter((s) => !held.has(s));
    if (beyond.length > 0) {
      throw new ApiError("FORBIDDEN", "A key cannot have scopes its creator lacks", {
        details: beyond.map((s) => ({ path: "scopes", message: `you do not hold '${s}'` })),
      });
    }
    const now = services.clock.now();
    const expiresAt = await expiry(services, principal, now, input.expires_in_s);
    const secret = await mintSecret(API_KEY_PREFIX);
    const row = {
      id: crypto.randomUUID(),
      orgId,
      projectId: project?.id ?? null,
      name: input.name,
      prefix: secret.prefix,
      keyHash: secret.hash,
      scopes,
      createdByUserId: principal.kind === "user" ? principal.userId : null,
      createdByKeyId: principal.kind === "api_key" ? principal.keyId : null,
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      createdAt: now,
    };
    await services.db.insert(apiKeys).values(row);
    const view = { ...row, projectSlug: project?.slug ?? null };
    await services.audit.record({
      orgId,
      projectId: row.projectId,
      actor: actorOf(principal),
      action: "api_key.created",
      resourceType: "api_key",
      resourceId: row.id,
      // Everything but the key and its hash.
      diff: {
        after: {
          name: row.name,
          prefix: row.prefix,
          scopes,
          project: view.projectSlug,
          expires_at: view.expiresAt,
        },
      },
      requestId: services.requestId,
    });
    return c.json({ ...toApiKey(view), key: secret.value }, 201);
  });

/** Where the new key lives: the named project (and its org), or an org. */
async function keyHome(
  services: Services,
  principal: Principal,
  projectSlug: string | undefined,
  orgSlug: string | undefined,
): Promise<{ orgId: string; project: ProjectRow | null }> {
  if (projectSlug === undefined) {
    if (principal.kind === "api_key" && principal.projectId !== null) {
      throw forbidden("A project-limited key can only create keys limited to its own project");
    }
    const org = await resolveOrgForScope(services, principal, orgSlug, "api_keys:admin");
    return { orgId: org.id, project: null };
  }
  const project = await services.db.query.projects.findFirst({
    where: eq(projects.slug, projectSlug),
  });
  if (!project || !canSee(principal, project.orgId, project.id)) {
    throw notFound(`Project '${projectSlug}'`);
  }
  if (orgSlug !== undefined) {
    const org = await services.db.query.orgs.findFirst({ where: eq(orgs.id, project.orgId) });
    if (org?.slug !== orgSlug) {
      throw badRequest("The project is not in that org", [
        { path: "project", message: `not a project of org '${orgSlug}'` },
      ]);
    }
  }
  return { orgId: project.orgId, project };
}

/** The new key's expiry; a key minted by an expiring key may not outlive it. */
async function expiry(
  services: Services,
  principal: Principal,
  now: number,
  expiresInS: number | undefined,
): Promise<number | null> {
  const requested = expiresInS === undefined ? null : now + expiresInS * 1000;
  if (principal.kind !== "api_key") {
    return requested;
  }
  const creator = await services.db.query.apiKeys.findFirst({
    where: eq(apiKeys.id, principal.keyId),
    columns: { expiresAt: true },
  });
  const limit = creator?.expiresAt ?? null;
  if (limit === null) {
    return requested;
  }
  if (requested === null) {
    return limit;
  }
  if (requested > limit) {
    throw new ApiError("FORBIDDEN", "A key cannot outlive the key that creates it", {
      details: [{ path: "expires_in_s", message: `must end by ${new Date(limit).toISOString()}` }],
    });
  }
  return requested;
}
