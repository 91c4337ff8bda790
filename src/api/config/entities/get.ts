import { createRoute } from "@hono/zod-openapi";
import { findEntity } from "../../../services/config-store";
import { notFound, operatorErrors } from "../../errors";
import type { App } from "../../hono";
import { requireScope } from "../../middleware/require-scope";
import { operatorSecurity } from "../../security";
import { currentProject } from "../../tenant";
import type { EntityKindDef } from "../kinds";
import { entityMeta, nameParams, toEntity } from "../schema";

/** GET /api/v1/projects/{project}/<segment>/{name}: one route per kind. */
export function registerGetEntity(app: App, def: EntityKindDef): void {
  const route = createRoute({
    method: "get",
    path: `/api/v1/projects/{project}/${def.segment}/{name}`,
    tags: ["Config model"],
    summary: `Show a ${def.label}`,
    security: operatorSecurity("config:read"),
    middleware: [requireScope("config:read")] as const,
    request: { params: nameParams },
    responses: {
      200: {
        description: `The ${def.label}`,
        content: { "application/json": { schema: def.spec.extend(entityMeta) } },
      },
      ...operatorErrors,
    },
  });
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { name } = c.req.valid("param");
    const row = await findEntity(db, project.id, def.kind, name);
    if (!row) {
      throw notFound(`The ${def.label} '${name}'`);
    }
    return c.json(toEntity(row), 200);
  });
}
