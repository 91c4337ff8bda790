import { createRoute, z } from "@hono/zod-openapi";
import { AUTHN_REQUEST_TTL_MS } from "../../../auth/saml";
import { safeReturnTo } from "../../../domain/sso";
import { startSamlLogin } from "../../../services/saml-login";
import { badRequest, errorResponses, forbidden, notFound } from "../../errors";
import type { App } from "../../hono";
import { isSaml, listProviders, type SamlProviderRow } from "../../sso/providers";
import { endpointsFor, orgBySlug, samlIdpOf, setBindingCookie } from "./shared";

const params = z.object({
  org: z
    .string()
    .min(1)
    .max(63)
    .openapi({ param: { name: "org", in: "path" }, example: "acme" }),
});
const query = z.object({
  provider: z.uuid().optional().openapi({
    description: "The SAML provider; may be omitted when the org has exactly one enabled",
  }),
  return_to: z.string().max(2048).optional().openapi({
    description: "Dashboard path to land on after sign-in (same-origin paths only)",
    example: "/projects",
  }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/auth/saml/{org}/login",
  tags: ["Auth"],
  summary: "Start SAML sign-in (redirects to the IdP)",
  description:
    "Stores an AuthnRequest (10 minutes, single use), binds it to this browser with the " +
    "`zcp_saml` cookie (HttpOnly, Secure, SameSite=None, Path=/api/v1/auth/saml/) and redirects " +
    "to the IdP with the HTTP-Redirect binding. The IdP answers at `…/acs`.",
  request: { params, query },
  responses: {
    302: { description: "Redirect to the IdP's single sign-on service" },
    400: errorResponses[400],
    403: errorResponses[403],
    404: errorResponses[404],
  },
});

/** The enabled SAML provider the request names, or the org's only one. */
function chooseProvider(rows: SamlProviderRow[], id: string | undefined): SamlProviderRow {
  if (id !== undefined) {
    const row = rows.find((r) => r.id === id);
    if (!row) {
      throw notFound("SAML provider");
    }
    if (!row.enabled) {
      throw forbidden(`The SSO provider '${row.name}' is disabled`);
    }
    return row;
  }
  const enabled = rows.filter((r) => r.enabled);
  const only = enabled[0];
  if (enabled.length === 1 && only) {
    return only;
  }
  if (enabled.length === 0) {
    throw notFound("Enabled SAML provider");
  }
  throw badRequest("This org has several SAML providers; name one with ?provider=", [
    { path: "provider", message: `one of ${enabled.map((r) => r.id).join(", ")}` },
  ]);
}

/** GET /api/v1/auth/saml/{org}/login */
export const registerSamlLogin = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const input = c.req.valid("query");
    const org = await orgBySlug(c, c.req.valid("param").org);
    const rows = (await listProviders(services, org.id)).filter(isSaml);
    const provider = chooseProvider(rows, input.provider);
    const started = await startSamlLogin(
      services,
      samlIdpOf(provider),
      endpointsFor(c, org.slug),
      safeReturnTo(input.return_to),
    );
    setBindingCookie(c, started.bindingToken, Math.ceil(AUTHN_REQUEST_TTL_MS / 1000));
    services.logger.info("saml login started", {
      org_id: org.id,
      provider_id: provider.id,
      request_id_saml: started.requestId,
    });
    c.header("Cache-Control", "no-store");
    return c.redirect(started.redirectUrl, 302);
  });
