import { createRoute } from "@hono/zod-openapi";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireOrgScope } from "../middleware/require-org-scope";
import { auditOrg } from "../orgs/accounts";
import { operatorSecurity } from "../security";
import { KEEPS_AN_SSO_PROVIDER_SQL, loadProvider } from "../sso/providers";
import { auditView, providerParams, toProvider } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/orgs/{org}/sso-providers/{provider_id}",
  tags: ["Orgs"],
  summary: "Remove an identity provider (admins)",
  description:
    "Its linked identities and pending sign-ins go with it. Memberships it provisioned stay, " +
    "now managed by hand. The last enabled provider of an org that requires SSO cannot be " +
    "removed (409). Audited as `sso_provider.deleted`.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params: providerParams },
  responses: {
    204: { description: "Removed" },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** DELETE /api/v1/orgs/{org}/sso-providers/{provider_id} */
export const registerDeleteSsoProvider = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const org = c.get("org");
    const { provider_id: id } = c.req.valid("param");
    const before = await loadProvider(services, org.id, id);
    const { d1 } = services;
    // The membership update runs only if the delete did (same guard), in one batch.
    const [deleted] = await d1.batch([
      d1
        .prepare(
          `DELETE FROM sso_providers WHERE id = ? AND org_id = ? AND ${KEEPS_AN_SSO_PROVIDER_SQL}`,
        )
        .bind(id, org.id),
      d1
        .prepare(
          `UPDATE memberships SET managed_by_provider_id = NULL WHERE managed_by_provider_id = ?
           AND NOT EXISTS (SELECT 1 FROM sso_providers WHERE id = ?)`,
        )
        .bind(id, id),
    ]);
    if (deleted?.meta.changes !== 1) {
      await loadProvider(services, org.id, id);
      throw conflict(
        `'${org.slug}' requires SSO and this is its last enabled provider: turn off "SSO required" first`,
      );
    }
    const view = await toProvider(before, org.slug, new URL(c.req.url).origin);
    await auditOrg(
      services,
      principal,
      org.id,
      "sso_provider.deleted",
      { type: "sso_provider", id },
      {
        before: auditView(view),
      },
    );
    return c.body(null, 204);
  });
