import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { auditLogs } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery, projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { auditEntrySchema, toAuditEntry } from "./schema";

const query = pageQuery.extend({
  action: z
    .string()
    .max(100)
    .optional()
    .openapi({ param: { name: "action", in: "query" }, example: "rollout.created" }),
  actor: z
    .string()
    .max(100)
    .optional()
    .openapi({ param: { name: "actor", in: "query" }, description: "actor id" }),
  since: z.iso
    .datetime()
    .optional()
    .openapi({ param: { name: "since", in: "query" }, example: "2026-11-01T00:00:00Z" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/audit-logs",
  tags: ["Audit"],
  summary: "List audit entries, newest first",
  security: operatorSecurity("audit:read"),
  middleware: [requireScope("audit:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "Audit entries",
      content: { "application/json": { schema: listOf(auditEntrySchema, "AuditEntry") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/audit-logs (chain order; cursor = position in the chain). */
export const registerListAuditLogs = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { limit, cursor, action, actor, since } = c.req.valid("query");
    const where: SQL[] = [eq(auditLogs.chain, project.id)];
    if (action) {
      where.push(eq(auditLogs.action, action));
    }
    if (actor) {
      where.push(eq(auditLogs.actorId, actor));
    }
    if (since) {
      where.push(gte(auditLogs.createdAt, Date.parse(since)));
    }
    const after = decodeCursor(cursor);
    if (after) {
      where.push(lt(auditLogs.seq, after.t));
    }
    const rows = await db
      .select()
      .from(auditLogs)
      .where(and(...where))
      .orderBy(desc(auditLogs.seq))
      .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.seq, id: r.id }));
    return c.json({ items: page.items.map(toAuditEntry), next_cursor: page.next_cursor }, 200);
  });
