import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, gt, lte, or, type SQL } from "drizzle-orm";
import { alertSilences } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { silenceSchema, toSilence } from "./schema";

const query = pageQuery.extend({
  active: z
    .enum(["true", "false"])
    .optional()
    .openapi({
      param: { name: "active", in: "query" },
      description: "true: in force now; false: expired or not started yet",
      example: "true",
    }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/alert-silences",
  tags: ["Alerts"],
  summary: "List silences, newest first",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Silences",
      content: { "application/json": { schema: listOf(silenceSchema, "AlertSilence") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/alert-silences?active=&limit=&cursor= */
export const registerListSilences = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, active } = c.req.valid("query");
    const now = services.clock.now();
    const where: Array<SQL | undefined> = [
      eq(alertSilences.projectId, project.id),
      afterCursor(decodeCursor(cursor), alertSilences.createdAt, alertSilences.id),
    ];
    if (active === "true") {
      where.push(lte(alertSilences.startsAt, now), gt(alertSilences.endsAt, now));
    } else if (active === "false") {
      where.push(or(gt(alertSilences.startsAt, now), lte(alertSilences.endsAt, now)));
    }
    const rows = await services.db
      .select()
      .from(alertSilences)
      .where(and(...where))
      .orderBy(...cursorOrder(alertSilences.createdAt, alertSilences.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.createdAt, id: r.id }));
    return c.json(
      { items: page.items.map((r) => toSilence(r, now)), next_cursor: page.next_cursor },
      200,
    );
  });
