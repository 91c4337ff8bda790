import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { orgs, ssoProviders } from "../../../db/schema";
import { emailDomain } from "../../../domain/sso";
import { samlLoginPath } from "../../../services/saml-login";
import { errorResponses, notFound } from "../../errors";
import type { App } from "../../hono";
import { ssoStartPath } from "../../sso/providers";

const query = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .openapi({
      param: { name: "q", in: "query" },
      description: "An org slug, or an email address (its domain finds the org)",
      example: "ada@example.com",
    }),
});

const ssoOrgSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    providers: z.array(
      z.object({
        id: z.string().uuid(),
        name: z.string(),
        kind: z.enum(["oidc", "saml"]),
        login_url: z.string().openapi({ description: "Send the browser here to sign in" }),
      }),
    ),
  })
  .openapi("SsoOrg");

const route = createRoute({
  method: "get",
  path: "/api/v1/auth/sso/discover",
  tags: ["Auth"],
  summary: "Find where to sign in with SSO: by org slug or email domain",
  description:
    "Public (the sign-in page calls it before anyone is signed in). Lists the enabled " +
    "providers of the org with this slug, or of every org with a provider accepting this " +
    "email's domain. 404 when there is none.",
  security: [],
  request: { query },
  responses: {
    200: {
      description: "Orgs and their providers",
      content: { "application/json": { schema: z.object({ orgs: z.array(ssoOrgSchema) }) } },
    },
    400: errorResponses[400],
    404: errorResponses[404],
    500: errorResponses[500],
  },
});

/** GET /api/v1/auth/sso/discover */
export const registerSsoDiscover = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const { q } = c.req.valid("query");
    const domain = q.includes("@") ? emailDomain(q) : null;
    const match = domain
      ? sql`EXISTS (SELECT 1 FROM json_each(${ssoProviders.emailDomains}) WHERE value = ${domain})`
      : eq(orgs.slug, q);
    const rows = await db
      .select({
        slug: orgs.slug,
        orgName: orgs.name,
        id: ssoProviders.id,
        name: ssoProviders.name,
        kind: ssoProviders.kind,
      })
      .from(ssoProviders)
      .innerJoin(orgs, eq(orgs.id, ssoProviders.orgId))
      .where(and(eq(ssoProviders.enabled, true), match))
      .orderBy(orgs.slug, ssoProviders.createdAt)
      .limit(50);
    if (rows.length === 0) {
      throw notFound(domain ? `SSO sign-in for '${domain}'` : `SSO sign-in for org '${q}'`);
    }
    const byOrg = new Map<string, z.infer<typeof ssoOrgSchema>>();
    for (const r of rows) {
      const org = byOrg.get(r.slug) ?? { slug: r.slug, name: r.orgName, providers: [] };
      org.providers.push({
        id: r.id,
        name: r.name,
        kind: r.kind,
        // SAML providers start at the SAML service provider's own route.
        login_url: r.kind === "saml" ? samlLoginPath(r.slug, r.id) : ssoStartPath(r.slug, r.id),
      });
      byOrg.set(r.slug, org);
    }
    return c.json({ orgs: [...byOrg.values()] }, 200);
  });
