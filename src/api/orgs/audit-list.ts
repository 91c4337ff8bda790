import { createRoute, z } from "@hono/zod-openapi";
import { auditPage } from "../../db/audit-page";
import { chainOf } from "../../services/audit";
import { auditEntrySchema, toAuditEntry } from "../audit/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireOrgScope } from "../middleware/require-org-scope";
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
    const page = await auditPage(db, chainOf(c.get("org").id, null), {
      limit,
      cursor,
      action,
      since,
    });
    return c.json({ items: page.items.map(toAuditEntry), next_cursor: page.next_cursor }, 200);
  });
