import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { configEntities } from "../../../db/schema";
import { badRequest, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requireScope } from "../../middleware/require-scope";
import { listOf, pageQuery, projectParam } from "../../schemas";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import type { EntityKindDef } from "../kinds";
import { entityMeta, toEntity } from "../schema";

/** Cursor of name-ordered lists: the last name seen, base64url. */
function decodeNameCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) {
    return null;
  }
  try {
    const name = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    if (name.length === 0 || name.length > 63) {
      throw new Error("bad length");
    }
    return name;
  } catch {
    throw badRequest("Malformed cursor", [
      { path: "cursor", message: "not a cursor of this list" },
    ]);
  }
}

/** The cursor naming `name` as the last item seen. */
export function encodeNameCursor(name: string): string {
  return btoa(name).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** GET /api/v1/projects/{project}/<segment>: one route per kind, ordered by name. */
export function registerListEntities(app: App, def: EntityKindDef): void {
  const route = createRoute({
    method: "get",
    path: `/api/v1/projects/{project}/${def.segment}`,
    tags: ["Config model"],
    summary: `List ${def.label}s by name`,
    security: operatorSecurity("config:read"),
    middleware: [requireScope("config:read")] as const,
    request: { params: projectParam, query: pageQuery },
    responses: {
      200: {
        description: `${def.label}s`,
        content: {
          "application/json": {
            schema: listOf(def.spec.extend(entityMeta), def.schemaName),
          },
        },
      },
      ...operatorErrors,
    },
  });
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor } = c.req.valid("query");
    const after = decodeNameCursor(cursor);
    const rows = await db
      .select()
      .from(configEntities)
      .where(
        and(
          eq(configEntities.projectId, project.id),
          eq(configEntities.kind, def.kind),
          after === null ? undefined : gt(configEntities.name, after),
        ),
      )
      .orderBy(asc(configEntities.name))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map(toEntity),
        next_cursor: rows.length > limit && last ? encodeNameCursor(last.name) : null,
      },
      200,
    );
  });
}
