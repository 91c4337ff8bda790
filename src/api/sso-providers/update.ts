import { createRoute } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import type { SsoProviderConfig } from "../../db/schema";
import { ssoProviders } from "../../db/schema";
import { badRequest, conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireOrgScope } from "../middleware/require-org-scope";
import { auditOrg } from "../orgs/accounts";
import { operatorSecurity } from "../security";
import {
  isOidc,
  KEEPS_AN_SSO_PROVIDER_SQL,
  loadProvider,
  sealClientSecret,
} from "../sso/providers";
import {
  auditView,
  providerParams,
  providerSchema,
  toProvider,
  updateProviderSchema,
} from "./schema";
import { assertCanMapRoles, checkedOidcConfig, checkedSamlConfig } from "./validate";

const route = createRoute({
  method: "patch",
  path: "/api/v1/orgs/{org}/sso-providers/{provider_id}",
  tags: ["Orgs"],
  summary: "Change an identity provider (admins)",
  description:
    "Send any subset of the fields. New `oidc` settings are checked against the IdP again " +
    "(omit `client_secret` to keep the stored one); new `saml` settings replace the old ones. " +
    "The last enabled provider of an org that requires SSO cannot be disabled (409). Audited " +
    "as `sso_provider.updated` with before and after (never the secret).",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: {
    params: providerParams,
    body: { required: true, content: { "application/json": { schema: updateProviderSchema } } },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: providerSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** PATCH /api/v1/orgs/{org}/sso-providers/{provider_id} */
export const registerUpdateSsoProvider = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const org = c.get("org");
    const { provider_id: id } = c.req.valid("param");
    const input = c.req.valid("json");
    const before = await loadProvider(services, org.id, id);
    const wrongKind = [
      ...(input.oidc && before.kind !== "oidc"
        ? [{ path: "oidc", message: "this is a SAML provider" }]
        : []),
      ...(input.saml && before.kind !== "saml"
        ? [{ path: "saml", message: "this is an OIDC provider" }]
        : []),
    ];
    if (wrongKind.length > 0) {
      throw badRequest("Settings of the other provider kind", wrongKind);
    }
    const roleMappings = input.role_mappings ?? before.roleMappings;
    const defaultRole = input.default_role === undefined ? before.defaultRole : input.default_role;
    // Both the mappings being replaced and their replacement must be within the caller's power.
    assertCanMapRoles(principal, org.id, before.roleMappings, before.defaultRole);
    assertCanMapRoles(principal, org.id, roleMappings, defaultRole);
    let config: SsoProviderConfig = before.config;
    let clientSecretEnc = before.clientSecretEnc;
    if (input.oidc && isOidc(before)) {
      const { client_secret: secret, ...settings } = input.oidc;
      config = await checkedOidcConfig(services, { ...before.config, ...settings });
      if (secret !== undefined) {
        clientSecretEnc = await sealClientSecret(services, id, secret);
      }
    } else if (input.saml) {
      config = await checkedSamlConfig(services, input.saml);
    }
    const enabled = input.enabled ?? before.enabled;
    const updated = await services.db
      .update(ssoProviders)
      .set({
        name: input.name ?? before.name,
        enabled,
        config,
        clientSecretEnc,
        emailDomains: input.email_domains ?? before.emailDomains,
        roleMappings,
        defaultRole,
        updatedAt: services.clock.now(),
      })
      .where(
        and(
          eq(ssoProviders.id, id),
          eq(ssoProviders.orgId, org.id),
          enabled ? sql`1 = 1` : sql.raw(KEEPS_AN_SSO_PROVIDER_SQL),
        ),
      )
      .returning()
      .catch((err: unknown) => {
        if (String(err).includes("UNIQUE")) {
          throw conflict(`An SSO provider named '${input.name}' already exists in '${org.slug}'`, [
            { path: "name", message: "already used in this org" },
          ]);
        }
        throw err;
      });
    const row = updated[0];
    if (!row) {
      await loadProvider(services, org.id, id); // 404 when it vanished meanwhile
      throw conflict(
        `'${org.slug}' requires SSO and this is its last enabled provider: turn off "SSO required" first`,
      );
    }
    const origin = new URL(c.req.url).origin;
    const [beforeView, afterView] = await Promise.all([
      toProvider(before, org.slug, origin),
      toProvider(row, org.slug, origin),
    ]);
    await auditOrg(
      services,
      principal,
      org.id,
      "sso_provider.updated",
      { type: "sso_provider", id },
      {
        before: auditView(beforeView),
        after: auditView(afterView),
        ...(input.oidc?.client_secret !== undefined ? { client_secret_changed: true } : {}),
      },
    );
    return c.json(afterView, 200);
  });
