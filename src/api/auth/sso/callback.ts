import { createRoute, z } from "@hono/zod-openapi";
import { cachedDiscovery, exchangeCode, OidcError, verifyIdToken } from "../../../auth/oidc";
import { groupsFromClaim } from "../../../domain/sso";
import { ApiError, badRequest, errorResponses } from "../../errors";
import type { App } from "../../hono";
import { orgParam } from "../../orgs/schema";
import { finishSsoLogin } from "../../sso/complete-login";
import { consumeLoginState, type StateProblem } from "../../sso/login-state";
import { isOidc, loadProvider, openClientSecret, ssoUrlPolicy } from "../../sso/providers";
import { browserCookie, clearBrowserCookie, orgBySlug } from "./common";

const queryParam = (name: string, description: string) =>
  z
    .string()
    .max(4096)
    .optional()
    .openapi({ param: { name, in: "query" }, description });

const query = z.object({
  code: queryParam("code", "Authorization code"),
  state: queryParam("state", "The state sent by /start"),
  error: queryParam("error", "Set by the IdP when it refused the sign-in"),
  error_description: queryParam("error_description", "The IdP's explanation"),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/auth/sso/{org}/callback",
  tags: ["Auth"],
  summary: "Where the identity provider sends the browser back (OIDC redirect URI)",
  description:
    "Consumes the sign-in attempt named by `state` (once; it must have been started by this " +
    "browser within 10 minutes), exchanges the code with the PKCE verifier and verifies the ID " +
    "token with the IdP's JWKS: issuer, audience, expiry, nonce and an asymmetric algorithm. " +
    "Then the group mapping decides the role and the same `zcp_session` cookie as password " +
    "sign-in is set; the browser is sent to the `return_to` of /start (303).",
  security: [],
  request: { params: orgParam, query },
  responses: {
    303: {
      description: "Signed in; to the dashboard",
      headers: z.object({ Location: z.string(), "Set-Cookie": z.string() }),
    },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
    500: errorResponses[500],
  },
});

const STATE_MESSAGES: Record<StateProblem, string> = {
  unknown: "This sign-in attempt is unknown or was already used",
  expired: "This sign-in attempt expired",
  other_org: "This sign-in attempt was started for another org",
  other_browser: "This sign-in attempt was started in another browser",
};

/** OIDC refusals become 401 with the reason (safe to show: it never echoes the token). */
function refusal(err: unknown): unknown {
  return err instanceof OidcError
    ? new ApiError("UNAUTHORIZED", err.message, {
        details: [{ path: err.path, message: err.message }],
      })
    : err;
}

/** GET /api/v1/auth/sso/{org}/callback */
export const registerSsoCallback = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { org: slug } = c.req.valid("param");
    const input = c.req.valid("query");
    const org = await orgBySlug(services, slug);
    clearBrowserCookie(c);
    if (!input.state) {
      throw badRequest("The identity provider's answer has no state", [
        { path: "state", message: "required" },
      ]);
    }
    const attempt = await consumeLoginState(services, input.state, org.id, browserCookie(c));
    if (typeof attempt === "string") {
      throw badRequest(`${STATE_MESSAGES[attempt]}: start signing in again`, [
        { path: "state", message: attempt },
      ]);
    }
    if (input.error !== undefined) {
      const description = input.error_description
        ? ` (${input.error_description.slice(0, 200)})`
        : "";
      throw new ApiError(
        "UNAUTHORIZED",
        `The identity provider refused the sign-in: ${input.error}${description}`,
      );
    }
    if (!input.code) {
      throw badRequest("The identity provider's answer has no code", [
        { path: "code", message: "required" },
      ]);
    }
    const provider = await loadProvider(services, org.id, attempt.provider_id);
    if (!isOidc(provider)) {
      throw badRequest("The sign-in attempt does not belong to an OIDC provider");
    }
    const now = services.clock.now();
    let claims: Awaited<ReturnType<typeof verifyIdToken>>;
    try {
      const discovery = await cachedDiscovery(provider.config.issuer, ssoUrlPolicy(services), now);
      const idToken = await exchangeCode(discovery, {
        clientId: provider.config.client_id,
        clientSecret: await openClientSecret(services, provider),
        code: input.code,
        redirectUri: attempt.redirect_uri,
        codeVerifier: attempt.code_verifier,
      });
      claims = await verifyIdToken(discovery, idToken, {
        clientId: provider.config.client_id,
        nonce: attempt.nonce,
        now,
      });
    } catch (err) {
      services.logger.warn("oidc sign-in refused", {
        provider_id: provider.id,
        reason: err instanceof Error ? err.message : String(err),
      });
      throw refusal(err);
    }
    if (typeof claims.email !== "string" || typeof claims.sub !== "string") {
      throw new ApiError(
        "UNAUTHORIZED",
        "The ID token has no email claim: add the `email` scope at the identity provider",
      );
    }
    return finishSsoLogin(
      c,
      {
        orgId: org.id,
        providerId: provider.id,
        subject: claims.sub,
        email: claims.email,
        ...(typeof claims.email_verified === "boolean"
          ? { emailVerified: claims.email_verified }
          : {}),
        name: typeof claims.name === "string" ? claims.name : null,
        groups: groupsFromClaim(claims[provider.config.groups_claim]),
      },
      attempt.return_to,
    );
  });
