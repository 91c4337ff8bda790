import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { memberships, users } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireOrgScope } from "../middleware/require-org-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { memberSchema, orgParam, toMember } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/members",
  tags: ["Orgs"],
  summary: "List an org's members (admins)",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params: orgParam, query: pageQuery },
  responses: {
    200: {
      description: "Members, newest first",
      content: { "application/json": { schema: listOf(memberSchema, "Member") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/orgs/{org}/members */
export const registerListMembers = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const org = c.get("org");
    const { limit, cursor } = c.req.valid("query");
    const after = afterCursor(decodeCursor(cursor), memberships.createdAt, memberships.userId);
    const rows = await db
      .select({
        userId: users.id,
        email: users.email,
        name: users.name,
        role: memberships.role,
        totpEnabledAt: users.totpEnabledAt,
        createdAt: memberships.createdAt,
      })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, org.id), after))
      .orderBy(...cursorOrder(memberships.createdAt, memberships.userId))
      .limit(limit + 1);
    const page = paginate(rows, limit, (m) => ({ t: m.createdAt, id: m.userId }));
    return c.json({ items: page.items.map(toMember), next_cursor: page.next_cursor }, 200);
  });
