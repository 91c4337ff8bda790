import { createRoute, z } from "@hono/zod-openapi";
import { auditPage } from "../../db/audit-page";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
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
    const page = await auditPage(db, project.id, { limit, cursor, action, actor, since });
    return c.json({ items: page.items.map(toAuditEntry), next_cursor: page.next_cursor }, 200);
  });
