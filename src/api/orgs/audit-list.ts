import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { auditLogs } from "../../db/schema";
import { chainOf } from "../../services/audit";
import { auditEntrySchema, toAuditEntry } from "../audit/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireOrgScope } from "../middleware/require-org-scope";
import { decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { orgParam } from "./schema";

const query = pageQuery.extend({
  action: z
    .string()
    .max(100)
    .optional()
    .openapi({ param: { name: "action", in: "query" }, example: "member.added" }),
  since: z.iso
    .datetime()
    .optional()
    .openapi({ param: { name: "since", in: "query" }, example: "2026-11-01T00:00:00Z" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/audit-logs",
  tags: ["Orgs"],
  summary: "List the org-level audit entries (members, users, org-wide keys), newest first",
  description:
    "Entries outside any project form the org's own hash chain; verify it with " +
    "…/audit-logs/verify. Admins only (like the member list): the entries name the org's people.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params: orgParam, query },
  responses: {
    200: {
      description: "Audit entries",
      content: { "application/json": { schema: listOf(auditEntrySchema, "OrgAuditEntry") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/orgs/{org}/audit-logs (chain order; cursor = position in the chain). */
export const registerListOrgAuditLogs = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const { limit, cursor, action, since } = c.req.valid("query");
    const where: SQL[] = [eq(auditLogs.chain, chainOf(c.get("org").id, null))];
    if (action) {
      where.push(eq(auditLogs.action, action));
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
