import { createRoute, z } from "@hono/zod-openapi";
import { conflict, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireOrgScope } from "../middleware/require-org-scope";
import { uuidParam } from "../schemas";
import { operatorSecurity } from "../security";
import { assertCanManageRole, auditOrg, findMember, KEEPS_AN_ADMIN_SQL } from "./accounts";
import { memberSchema, orgParam, roleSchema, toMember } from "./schema";

const params = orgParam.extend({ user_id: uuidParam("user_id") });
const body = z.object({ role: roleSchema }).openapi("UpdateMember");

const route = createRoute({
  method: "patch",
  path: "/api/v1/orgs/{org}/members/{user_id}",
  tags: ["Orgs"],
  summary: "Change a member's role (admins)",
  description:
    "The last admin cannot be demoted (409). You cannot grant or change a role with scopes you lack.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: {
    params,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: memberSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** PATCH /api/v1/orgs/{org}/members/{user_id} */
export const registerUpdateMember = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const org = c.get("org");
    const { user_id: userId } = c.req.valid("param");
    const { role } = c.req.valid("json");
    const before = await findMember(services, org.id, userId);
    if (!before) {
      throw notFound("Member");
    }
    assertCanManageRole(principal, org.id, before.role);
    assertCanManageRole(principal, org.id, role);
    if (before.role === role) {
      return c.json(toMember(before), 200);
    }
    const guard = role === "admin" ? "1 = 1" : KEEPS_AN_ADMIN_SQL;
    const result = await services.d1
      .prepare(`UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ? AND ${guard}`)
      .bind(role, org.id, userId)
      .run();
    if (result.meta.changes !== 1) {
      // Either the guard held (last admin) or the membership vanished meanwhile.
      if (!(await findMember(services, org.id, userId))) {
        throw notFound("Member");
      }
      throw conflict("The org's last admin cannot be demoted; promote another member first");
    }
    await auditOrg(
      services,
      principal,
      org.id,
      "member.role_changed",
      { type: "user", id: userId },
      {
        before: { role: before.role },
        after: { role },
      },
    );
    return c.json(toMember({ ...before, role }), 200);
  });
