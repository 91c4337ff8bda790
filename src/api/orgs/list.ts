import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { memberships, orgs, type Role } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import type { OrgRow } from "../middleware/require-org-scope";
import { requireAuthenticated } from "../middleware/require-user";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { orgSchema, toOrg } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs",
  tags: ["Orgs"],
  summary: "The orgs you belong to, with your role",
  description: "A user sees every org they are a member of; an API key sees its own org.",
  security: operatorSecurity(),
  middleware: [requireAuthenticated] as const,
  request: { query: pageQuery },
  responses: {
    200: {
      description: "Orgs, newest first",
      content: { "application/json": { schema: listOf(orgSchema, "Org") } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/orgs */
export const registerListOrgs = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const { limit, cursor } = c.req.valid("query");
    const after = afterCursor(decodeCursor(cursor), orgs.createdAt, orgs.id);
    const rows: Array<{ org: OrgRow; role: Role | null }> =
      principal.kind === "api_key"
        ? (
            await db
              .select()
              .from(orgs)
              .where(and(eq(orgs.id, principal.orgId), after))
              .limit(limit + 1)
          ).map((org) => ({ org, role: null }))
        : await db
            .select({ org: orgs, role: memberships.role })
            .from(memberships)
            .innerJoin(orgs, eq(orgs.id, memberships.orgId))
            .where(and(eq(memberships.userId, principal.userId), after))
            .orderBy(...cursorOrder(orgs.createdAt, orgs.id))
            .limit(limit + 1);
    const page = paginate(rows, limit, (r) => ({ t: r.org.createdAt, id: r.org.id }));
    return c.json(
      { items: page.items.map((r) => toOrg(r.org, r.role)), next_cursor: page.next_cursor },
      200,
    );
  });
