import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { actorOf, scopesIn } from "../../auth/principal";
import { orgs, projects } from "../../db/schema";
import { conflict, errorResponses, forbidden, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { slugSchema } from "../schemas";
import { operatorSecurity } from "../security";
import { projectSchema, toProject } from "./schema";

const body = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "Edge EU" }),
    slug: slugSchema,
    org: z.string().optional().openapi({ description: "Org slug; defaults to the caller's org" }),
  })
  .openapi("CreateProject");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects",
  tags: ["Projects"],
  summary: "Create a project",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: projectSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

export type CreateProjectRequest = z.infer<typeof body>;

/** POST /api/v1/projects: slugs are globally unique (409 when taken). */
export const registerCreateProject = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const input = c.req.valid("json");
    const orgId = await resolveOrg(c.get("services").db, principal, input.org);
    if (principal.kind === "api_key" && principal.projectId !== null) {
      throw forbidden("A project-limited API key cannot create projects");
    }
    if (!scopesIn(principal, orgId, null).has("projects:write")) {
      throw forbidden("Missing scope projects:write in this org");
    }
    const now = clock.now();
    const row = {
      id: crypto.randomUUID(),
      orgId,
      slug: input.slug,
      name: input.name,
      settings: {},
      createdAt: now,
      updatedAt: now,
    };
    const inserted = await db.insert(projects).values(row).onConflictDoNothing().returning();
    if (inserted.length === 0) {
      throw conflict(`Project slug '${input.slug}' is taken`, [
        { path: "slug", message: "already in use" },
      ]);
    }
    await audit.record({
      orgId,
      projectId: row.id,
      actor: actorOf(principal),
      action: "project.created",
      resourceType: "project",
      resourceId: row.id,
      diff: { after: { slug: row.slug, name: row.name } },
      requestId,
    });
    return c.json(toProject(row), 201);
  });

async function resolveOrg(
  db: import("../../services").Db,
  principal: ReturnType<typeof requirePrincipal>,
  orgSlug: string | undefined,
): Promise<string> {
  if (orgSlug !== undefined) {
    const org = await db.query.orgs.findFirst({ where: eq(orgs.slug, orgSlug) });
    const visible =
      org &&
      (principal.kind === "api_key" ? principal.orgId === org.id : principal.roles.has(org.id));
    if (!org || !visible) {
      throw notFound(`Org '${orgSlug}'`);
    }
    return org.id;
  }
  if (principal.kind === "api_key") {
    return principal.orgId;
  }
  const orgIds = [...principal.roles.keys()];
  if (orgIds.length !== 1 || orgIds[0] === undefined) {
    throw notFound("Org (specify 'org' when you belong to several)");
  }
  return orgIds[0];
}
