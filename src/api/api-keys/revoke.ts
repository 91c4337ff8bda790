import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { actorOf, canSee, scopesIn } from "../../auth/principal";
import { apiKeys } from "../../db/schema";
import { forbidden, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { uuidParam } from "../schemas";
import { operatorSecurity } from "../security";

const params = z.object({ id: uuidParam("id") });

const route = createRoute({
  method: "delete",
  path: "/api/v1/api-keys/{id}",
  tags: ["API keys"],
  summary: "Revoke an API key (effective on its next request)",
  description:
    "Needs api_keys:admin where the key lives, and every scope the key has (you cannot revoke a " +
    "key more powerful than yourself). Revoking a revoked key is a no-op.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireScope("api_keys:admin")] as const,
  request: { params },
  responses: {
    204: { description: "Revoked" },
    ...operatorErrors,
  },
});

/** DELETE /api/v1/api-keys/{id} */
export const registerRevokeApiKey = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const { id } = c.req.valid("param");
    const key = await services.db.query.apiKeys.findFirst({ where: eq(apiKeys.id, id) });
    if (!key || !canSee(principal, key.orgId, key.projectId)) {
      throw notFound("API key");
    }
    const held = scopesIn(principal, key.orgId, key.projectId);
    if (!held.has("api_keys:admin")) {
      throw forbidden("Missing scope api_keys:admin where this key lives");
    }
    const heldNames = new Set<string>(held);
    if (!key.scopes.every((s) => heldNames.has(s))) {
      throw forbidden("This key has scopes you lack; ask someone who holds them to revoke it");
    }
    if (key.revokedAt !== null) {
      return c.body(null, 204);
    }
    const now = services.clock.now();
    const revoked = await services.db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (revoked.length === 1) {
      await services.audit.record({
        orgId: key.orgId,
        projectId: key.projectId,
        actor: actorOf(principal),
        action: "api_key.revoked",
        resourceType: "api_key",
        resourceId: key.id,
        diff: { before: { name: key.name, prefix: key.prefix, scopes: key.scopes } },
        requestId: services.requestId,
      });
    }
    return c.body(null, 204);
  });
