import { createRoute, z } from "@hono/zod-openapi";
import { decodeSamlResponse, SamlError } from "../../../auth/saml";
import {
  acceptSamlResponse,
  identityFromAssertion,
  takeSamlRequest,
} from "../../../services/saml-login";
import { ApiError, errorResponses, forbidden } from "../../errors";
import type { App } from "../../hono";
import { finishSsoLogin } from "../../sso/complete-login";
import { isSaml, loadProvider } from "../../sso/providers";
import { bindingToken, clearBindingCookie, endpointsFor, orgBySlug, samlIdpOf } from "./shared";

const params = z.object({
  org: z
    .string()
    .min(1)
    .max(63)
    .openapi({ param: { name: "org", in: "path" }, example: "acme" }),
});
const form = z.object({
  SAMLResponse: z.string().min(1).max(400_000),
  RelayState: z.string().max(1024).optional(),
});

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/saml/{org}/acs",
  tags: ["Auth"],
  summary: "SAML assertion consumer service (HTTP-POST binding)",
  description:
    "Receives the IdP's signed Response for an AuthnRequest started in this browser " +
    "(`zcp_saml` cookie), verifies it (signature over the Response or Assertion, issuer, " +
    "audience, recipient, InResponseTo, validity window with 90 s skew, assertion-id replay), " +
    "then signs the user in like every SSO login: just-in-time user, mapped role, `zcp_session` " +
    "cookie and a 303 to the dashboard. IdP-initiated responses are refused.",
  request: {
    params,
    body: {
      required: true,
      content: { "application/x-www-form-urlencoded": { schema: form } },
    },
  },
  responses: {
    303: { description: "Signed in; redirect to the dashboard" },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
  },
});

/** A refused response: 401 naming the reason, so an admin can tell config from attack. */
function refused(err: SamlError): ApiError {
  return new ApiError("UNAUTHORIZED", `SAML sign-in refused: ${err.message}`, {
    details: [{ path: "SAMLResponse", message: err.message, reason: err.reason }],
  });
}

/** POST /api/v1/auth/saml/{org}/acs */
export const registerSamlAcs = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const org = await orgBySlug(c, c.req.valid("param").org);
    const input = c.req.valid("form");
    const token = bindingToken(c);
    // Each request is answered once, whatever the outcome.
    clearBindingCookie(c);
    const request = token ? await takeSamlRequest(services, org.id, token) : null;
    if (!request) {
      throw new ApiError(
        "UNAUTHORIZED",
        "No SAML sign-in is in progress in this browser (or it expired); start again",
        {
          details: [
            {
              path: "SAMLResponse",
              message: "no matching AuthnRequest",
              reason: "wrong_in_response_to",
            },
          ],
        },
      );
    }
    const provider = await loadProvider(services, org.id, request.providerId);
    if (!isSaml(provider)) {
      throw forbidden("The SSO provider of this sign-in is not a SAML provider");
    }
    const sp = endpointsFor(c, org.slug);
    let assertion: Awaited<ReturnType<typeof acceptSamlResponse>>;
    try {
      assertion = await acceptSamlResponse(
        services,
        samlIdpOf(provider),
        sp,
        request,
        decodeSamlResponse(input.SAMLResponse),
      );
    } catch (err) {
      if (err instanceof SamlError) {
        services.logger.warn("saml response refused", {
          org_id: org.id,
          provider_id: provider.id,
          reason: err.reason,
          message: err.message,
        });
        throw refused(err);
      }
      throw err;
    }
    const identity = identityFromAssertion(assertion);
    if (identity.email === null) {
      throw refused(
        new SamlError(
          "missing_subject",
          "The IdP sent no email address (an email NameID or an email attribute)",
        ),
      );
    }
    const name = assertion.attributes.displayName?.[0] ?? assertion.attributes.name?.[0] ?? null;
    return finishSsoLogin(
      c,
      {
        orgId: org.id,
        providerId: provider.id,
        subject: assertion.nameId,
        email: identity.email,
        name,
        groups: identity.groups,
      },
      request.returnTo,
    );
  });
