import { createRoute, z } from "@hono/zod-openapi";
import { buildSpMetadataXml } from "../../../auth/saml";
import { errorResponses } from "../../errors";
import type { App } from "../../hono";
import { endpointsFor, orgBySlug } from "./shared";

const params = z.object({
  org: z
    .string()
    .min(1)
    .max(63)
    .openapi({ param: { name: "org", in: "path" }, example: "acme" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/auth/saml/{org}/metadata",
  tags: ["Auth"],
  summary: "SAML service provider metadata of an org",
  description:
    "The SP metadata to import into the IdP: entity id (this URL), the HTTP-POST assertion " +
    "consumer service `…/acs`, and `WantAssertionsSigned`. Public: it is needed before the " +
    "provider is configured here.",
  request: { params },
  responses: {
    200: {
      description: "SP metadata",
      content: { "application/samlmetadata+xml": { schema: z.string() } },
    },
    400: errorResponses[400],
    404: errorResponses[404],
  },
});

/** GET /api/v1/auth/saml/{org}/metadata */
export const registerSamlMetadata = (app: App) =>
  app.openapi(route, async (c) => {
    const org = await orgBySlug(c, c.req.valid("param").org);
    const sp = endpointsFor(c, org.slug);
    return new Response(buildSpMetadataXml({ entityId: sp.entityId, acsUrl: sp.acsUrl }), {
      status: 200,
      headers: {
        "Content-Type": "application/samlmetadata+xml; charset=utf-8",
        "Cache-Control": "no-store",
      },
    });
  });
