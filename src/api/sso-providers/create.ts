import { createRoute } from "@hono/zod-openapi";
import { count, eq } from "drizzle-orm";
import { type SsoProviderConfig, ssoProviders } from "../../db/schema";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireOrgScope } from "../middleware/require-org-scope";
import { auditOrg } from "../orgs/accounts";
import { orgParam } from "../orgs/schema";
import { operatorSecurity } from "../security";
import { MAX_SSO_PROVIDERS_PER_ORG, sealClientSecret } from "../sso/providers";
import { auditView, createProviderSchema, providerSchema, toProvider } from "./schema";
import { assertCanMapRoles, checkedOidcConfig, checkedSamlConfig } from "./validate";

const route = createRoute({
  method: "post",
  path: "/api/v1/orgs/{org}/sso-providers",
  tags: ["Orgs"],
  summary: "Add an OIDC or SAML 2.0 identity provider (admins)",
  description:
    "Checked before it is stored: for OIDC the discovery document and JWKS are fetched (its " +
    "`issuer` must match exactly, the code flow with PKCE S256 must be supported); for SAML the " +
    "metadata XML or the certificate is parsed. Any problem is a 400 naming the field. The " +
    "client secret is sealed at rest and never returned. Role mappings cannot grant a role " +
    "with scopes you lack. Audited as `sso_provider.created`.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: {
    params: orgParam,
    body: { required: true, content: { "application/json": { schema: createProviderSchema } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: providerSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/orgs/{org}/sso-providers */
export const registerCreateSsoProvider = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const org = c.get("org");
    const input = c.req.valid("json");
    assertCanMapRoles(principal, org.id, input.role_mappings, input.default_role);
    const [existing] = await services.db
      .select({ n: count() })
      .from(ssoProviders)
      .where(eq(ssoProviders.orgId, org.id));
    if ((existing?.n ?? 0) >= MAX_SSO_PROVIDERS_PER_ORG) {
      throw conflict(`An org can have at most ${MAX_SSO_PROVIDERS_PER_ORG} SSO providers`);
    }
    const id = crypto.randomUUID();
    let config: SsoProviderConfig;
    let clientSecretEnc: string | null = null;
    if (input.kind === "oidc") {
      config = await checkedOidcConfig(services, input.oidc);
      clientSecretEnc = await sealClientSecret(services, id, input.oidc.client_secret);
    } else {
      config = await checkedSamlConfig(services, input.saml);
    }
    const now = services.clock.now();
    const inserted = await services.db
      .insert(ssoProviders)
      .values({
        id,
        orgId: org.id,
        kind: input.kind,
        name: input.name,
        enabled: input.enabled,
        config,
        clientSecretEnc,
        emailDomains: input.email_domains,
        roleMappings: input.role_mappings,
        defaultRole: input.default_role,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    const row = inserted[0];
    if (!row) {
      throw conflict(`An SSO provider named '${input.name}' already exists in '${org.slug}'`, [
        { path: "name", message: "already used in this org" },
      ]);
    }
    const view = await toProvider(row, org.slug, new URL(c.req.url).origin);
    await auditOrg(
      services,
      principal,
      org.id,
      "sso_provider.created",
      { type: "sso_provider", id },
      {
        after: auditView(view),
      },
    );
    return c.json(view, 201);
  });
