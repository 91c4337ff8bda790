import { createRoute, z } from "@hono/zod-openapi";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireOrgScope } from "../middleware/require-org-scope";
import { auditOrg } from "../orgs/accounts";
import { orgParam } from "../orgs/schema";
import { operatorSecurity } from "../security";

const policySchema = z
  .object({
    sso_required: z.boolean().openapi({
      description:
        "Members must sign in through the org's SSO provider: password sign-in is refused, " +
        "except for org admins (break-glass, audited as `auth.break_glass_login`)",
    }),
  })
  .strict()
  .openapi("SsoPolicy");

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/sso-policy",
  tags: ["Orgs"],
  summary: "Whether the org requires SSO (admins)",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params: orgParam },
  responses: {
    200: { description: "The policy", content: { "application/json": { schema: policySchema } } },
    ...operatorErrors,
  },
});

const putRoute = createRoute({
  method: "put",
  path: "/api/v1/orgs/{org}/sso-policy",
  tags: ["Orgs"],
  summary: "Require SSO for the org's members, or stop requiring it (admins)",
  description:
    "Requiring SSO needs at least one enabled provider (409 otherwise). Audited as " +
    "`org.sso_policy_updated`.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: {
    params: orgParam,
    body: { required: true, content: { "application/json": { schema: policySchema } } },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: policySchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** GET and PUT /api/v1/orgs/{org}/sso-policy */
export const registerSsoPolicy = (app: App) => {
  app.openapi(getRoute, (c) => c.json({ sso_required: c.get("org").ssoRequired }, 200));
  app.openapi(putRoute, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const org = c.get("org");
    const { sso_required: required } = c.req.valid("json");
    // Turning it on and having a provider to sign in with are checked in the same statement.
    const result = await services.d1
      .prepare(
        `UPDATE orgs SET sso_required = ? WHERE id = ? AND (? = 0 OR EXISTS (
           SELECT 1 FROM sso_providers WHERE org_id = orgs.id AND enabled = 1))`,
      )
      .bind(required ? 1 : 0, org.id, required ? 1 : 0)
      .run();
    if (result.meta.changes !== 1) {
      throw conflict(`'${org.slug}' has no enabled SSO provider: add one before requiring SSO`);
    }
    if (required !== org.ssoRequired) {
      await auditOrg(
        services,
        principal,
        org.id,
        "org.sso_policy_updated",
        { type: "org", id: org.id },
        {
          before: { sso_required: org.ssoRequired },
          after: { sso_required: required },
        },
      );
    }
    return c.json({ sso_required: required }, 200);
  });
};
