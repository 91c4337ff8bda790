import { createRoute } from "@hono/zod-openapi";
import { and, eq, getTableColumns, inArray, type SQL } from "drizzle-orm";
import { type Principal, scopesIn } from "../../auth/principal";
import { apiKeys, projects } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { afterCursor, cursorOrder, decodeCursor, paginate } from "../pagination";
import { listOf, pageQuery } from "../schemas";
import { operatorSecurity } from "../security";
import { apiKeySchema, toApiKey } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/api-keys",
  tags: ["API keys"],
  summary: "List the API keys you administer (never the key or its hash)",
  description:
    "Keys of every org where you hold api_keys:admin; a project-limited key sees only the keys " +
    "limited to its project. Revoked and expired keys are included (see revoked_at, expires_at).",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireScope("api_keys:admin")] as const,
  request: { query: pageQuery },
  responses: {
    200: {
      description: "Keys, newest first",
      content: { "application/json": { schema: listOf(apiKeySchema, "ApiKey") } },
    },
    ...operatorErrors,
  },
});

/** Which keys the principal administers, as a WHERE condition. */
function visibleKeys(principal: Principal): SQL | undefined {
  if (principal.kind === "api_key") {
    return principal.projectId === null
      ? eq(apiKeys.orgId, principal.orgId)
      : and(eq(apiKeys.orgId, principal.orgId), eq(apiKeys.projectId, principal.projectId));
  }
  const orgIds = [...principal.roles.keys()].filter((id) =>
    scopesIn(principal, id, null).has("api_keys:admin"),
  );
  return inArray(apiKeys.orgId, orgIds);
}

/** GET /api/v1/api-keys */
export const registerListApiKeys = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const { limit, cursor } = c.req.valid("query");
    const rows = await db
      .select({ ...getTableColumns(apiKeys), projectSlug: projects.slug })
      .from(apiKeys)
      .leftJoin(projects, eq(projects.id, apiKeys.projectId))
      .where(
        and(
          visibleKeys(principal),
          afterCursor(decodeCursor(cursor), apiKeys.createdAt, apiKeys.id),
        ),
      )
      .orderBy(...cursorOrder(apiKeys.createdAt, apiKeys.id))
      .limit(limit + 1);
    const page = paginate(rows, limit, (k) => ({ t: k.createdAt, id: k.id }));
    return c.json({ items: page.items.map(toApiKey), next_cursor: page.next_cursor }, 200);
  });
