import { createRoute, z } from "@hono/zod-openapi";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { currentUser, requireUser } from "../middleware/require-user";
import { slugSchema } from "../schemas";
import { sessionOnly } from "../security";
import { auditOrg } from "./accounts";
import { orgSchema, toOrg } from "./schema";

const body = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "Platform team" }),
    slug: slugSchema,
  })
  .openapi("CreateOrg");

const route = createRoute({
  method: "post",
  path: "/api/v1/orgs",
  tags: ["Orgs"],
  summary: "Create an org; you become its admin",
  description:
    "Signed-in users only: an API key belongs to exactly one org and cannot create others.",
  security: sessionOnly,
  middleware: [requireUser] as const,
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: orgSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/orgs: org slugs are globally unique (409 when taken). */
export const registerCreateOrg = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = currentUser(c);
    const input = c.req.valid("json");
    const { d1, clock } = services;
    const now = clock.now();
    const org = {
      id: crypto.randomUUID(),
      slug: input.slug,
      name: input.name,
      ssoRequired: false,
      createdAt: now,
    };
    // The membership insert selects the new org row, so a taken slug creates nothing at all.
    const [inserted] = await d1.batch([
      d1
        .prepare(
          "INSERT INTO orgs (id, slug, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(slug) DO NOTHING",
        )
        .bind(org.id, org.slug, org.name, now),
      d1
        .prepare(
          `INSERT INTO memberships (id, org_id, user_id, role, created_at)
           SELECT ?, id, ?, 'admin', ? FROM orgs WHERE id = ?`,
        )
        .bind(crypto.randomUUID(), principal.userId, now, org.id),
    ]);
    if (inserted?.meta.changes !== 1) {
      throw conflict(`Org slug '${input.slug}' is taken`, [
        { path: "slug", message: "already in use" },
      ]);
    }
    await auditOrg(
      services,
      principal,
      org.id,
      "org.created",
      { type: "org", id: org.id },
      {
        after: { slug: org.slug, name: org.name, admin: principal.userId },
      },
    );
    return c.json(toOrg(org, "admin"), 201);
  });
