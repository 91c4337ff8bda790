import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { authorizeUrl, cachedDiscovery, OidcError, pkceChallenge } from "../../../auth/oidc";
import { ssoProviders } from "../../../db/schema";
import { safeReturnTo } from "../../../domain/sso";
import { ApiError, badRequest, errorResponses, forbidden, notFound } from "../../errors";
import type { App } from "../../hono";
import { orgParam } from "../../orgs/schema";
import { createLoginState } from "../../sso/login-state";
import {
  isOidc,
  loadProvider,
  oidcRedirectUri,
  type SsoProviderRow,
  ssoUrlPolicy,
} from "../../sso/providers";
import { orgBySlug, setBrowserCookie } from "./common";

const query = z.object({
  provider: z
    .string()
    .uuid()
    .optional()
    .openapi({
      param: { name: "provider", in: "query" },
      description: "Provider id; optional when the org has exactly one enabled provider",
    }),
  return_to: z
    .string()
    .max(512)
    .optional()
    .openapi({
      param: { name: "return_to", in: "query" },
      description: "Dashboard path to land on afterwards (same origin only; else `/`)",
      example: "/",
    }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/auth/sso/{org}/start",
  tags: ["Auth"],
  summary: "Start signing in through the org's identity provider (browser redirect)",
  description:
    "OIDC: redirects to the IdP's authorization endpoint (authorization code flow with PKCE " +
    "S256, `state` and `nonce` stored server-side for 10 minutes and usable once) and sets the " +
    "short-lived `zcp_sso` cookie binding the attempt to this browser. The IdP returns to " +
    "`/api/v1/auth/sso/{org}/callback`.",
  security: [],
  request: { params: orgParam, query },
  responses: {
    302: {
      description: "To the identity provider",
      headers: z.object({ Location: z.string() }),
    },
    400: errorResponses[400],
    403: errorResponses[403],
    404: errorResponses[404],
    500: errorResponses[500],
  },
});

/** The provider to use: the named one, or the org's only enabled one. */
async function pickProvider(
  services: Parameters<typeof loadProvider>[0],
  orgId: string,
  providerId: string | undefined,
): Promise<SsoProviderRow> {
  if (providerId !== undefined) {
    return loadProvider(services, orgId, providerId);
  }
  const enabled = await services.db.query.ssoProviders.findMany({
    where: and(eq(ssoProviders.orgId, orgId), eq(ssoProviders.enabled, true)),
    limit: 2,
  });
  const [only] = enabled;
  if (!only) {
    throw notFound("SSO provider for this org");
  }
  if (enabled.length > 1) {
    throw badRequest("This org has several SSO providers: choose one", [
      { path: "provider", message: "required when the org has more than one enabled provider" },
    ]);
  }
  return only;
}

/** GET /api/v1/auth/sso/{org}/start */
export const registerSsoStart = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { org: slug } = c.req.valid("param");
    const input = c.req.valid("query");
    const org = await orgBySlug(services, slug);
    const provider = await pickProvider(services, org.id, input.provider);
    if (!provider.enabled) {
      throw forbidden(`The SSO provider '${provider.name}' is disabled`);
    }
    if (!isOidc(provider)) {
      // SAML providers start at the SAML service provider's own route.
      throw badRequest(`'${provider.name}' is a SAML provider; this route starts OIDC sign-in`, [
        { path: "provider", message: "not an OIDC provider" },
      ]);
    }
    let discovery: Awaited<ReturnType<typeof cachedDiscovery>>;
    try {
      discovery = await cachedDiscovery(
        provider.config.issuer,
        ssoUrlPolicy(services),
        services.clock.now(),
      );
    } catch (err) {
      if (err instanceof OidcError) {
        throw new ApiError("UNAVAILABLE", `The identity provider is unavailable: ${err.message}`);
      }
      throw err;
    }
    const redirectUri = oidcRedirectUri(new URL(c.req.url).origin, org.slug);
    const started = await createLoginState(services, {
      providerId: provider.id,
      orgId: org.id,
      redirectUri,
      returnTo: safeReturnTo(input.return_to),
    });
    setBrowserCookie(c, started.browserSecret);
    return c.redirect(
      authorizeUrl(discovery, {
        clientId: provider.config.client_id,
        redirectUri,
        scopes: provider.config.scopes,
        state: started.state,
        nonce: started.nonce,
        codeChallenge: await pkceChallenge(started.codeVerifier),
      }),
      302,
    );
  });
