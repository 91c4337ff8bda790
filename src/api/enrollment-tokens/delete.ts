import { createRoute } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { enrollmentTokens } from "../../db/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { enrollmentTokenSchema, toEnrollmentToken, tokenParams } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/enrollment-tokens/{id}",
  tags: ["Enrollment tokens"],
  summary: "Revoke an enrollment token",
  description:
    "The token stops enrolling nodes at once; nodes it enrolled keep working. Revoking a " +
    "revoked token changes nothing and answers the same.",
  security: operatorSecurity("nodes:write"),
  middleware: [requireScope("nodes:write")] as const,
  request: { params: tokenParams },
  responses: {
    200: {
      description: "The revoked token",
      content: { "application/json": { schema: enrollmentTokenSchema } },
    },
    ...operatorErrors,
  },
});

/** DELETE /api/v1/projects/{project}/enrollment-tokens/{id} */
export const registerDeleteEnrollmentToken = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { id } = c.req.valid("param");
    const now = clock.now();
    const inProject = and(eq(enrollmentTokens.id, id), eq(enrollmentTokens.projectId, project.id));
    const [revoked] = await db
      .update(enrollmentTokens)
      .set({ revokedAt: now })
      .where(and(inProject, isNull(enrollmentTokens.revokedAt)))
      .returning();
    if (revoked) {
      await audit.record({
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "enrollment_token.revoked",
        resourceType: "enrollment_token",
        resourceId: id,
        diff: { before: { revoked_at: null }, after: { revoked_at: new Date(now).toISOString() } },
        requestId,
      });
      return c.json(toEnrollmentToken(revoked, now), 200);
    }
    const existing = await db.query.enrollmentTokens.findFirst({ where: inProject });
    if (!existing) {
      throw notFound("Enrollment token");
    }
    return c.json(toEnrollmentToken(existing, now), 200);
  });
