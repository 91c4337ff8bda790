import { createRoute } from "@hono/zod-openapi";
import { conflict, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireOrgScope } from "../middleware/require-org-scope";
import { uuidParam } from "../schemas";
import { operatorSecurity } from "../security";
import { assertCanManageRole, auditOrg, findMember, KEEPS_AN_ADMIN_SQL } from "./accounts";
import { orgParam } from "./schema";

const params = orgParam.extend({ user_id: uuidParam("user_id") });

const route = createRoute({
  method: "delete",
  path: "/api/v1/orgs/{org}/members/{user_id}",
  tags: ["Orgs"],
  summary: "Remove a member from the org (admins)",
  description:
    "Takes effect on the member's next request (roles are read per request). The last admin " +
    "cannot be removed (409). The user account itself stays.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params },
  responses: {
    204: { description: "Removed" },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** DELETE /api/v1/orgs/{org}/members/{user_id} */
export const registerRemoveMember = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const org = c.get("org");
    const { user_id: userId } = c.req.valid("param");
    const before = await findMember(services, org.id, userId);
    if (!before) {
      throw notFound("Member");
    }
    assertCanManageRole(principal, org.id, before.role);
    const result = await services.d1
      .prepare(`DELETE FROM memberships WHERE org_id = ? AND user_id = ? AND ${KEEPS_AN_ADMIN_SQL}`)
      .bind(org.id, userId)
      .run();
    if (result.meta.changes !== 1) {
      // Either the guard held (last admin) or the membership vanished meanwhile.
      if (!(await findMember(services, org.id, userId))) {
        throw notFound("Member");
      }
      throw conflict("The org's last admin cannot be removed; promote another member first");
    }
    await auditOrg(
      services,
      principal,
      org.id,
      "member.removed",
      { type: "user", id: userId },
      {
        before: { email: before.email, role: before.role },
      },
    );
    return c.body(null, 204);
  });
