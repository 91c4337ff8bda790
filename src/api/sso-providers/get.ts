import { createRoute } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireOrgScope } from "../middleware/require-org-scope";
import { operatorSecurity } from "../security";
import { loadProvider } from "../sso/providers";
import { providerParams, providerSchema, toProvider } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/sso-providers/{provider_id}",
  tags: ["Orgs"],
  summary: "One identity provider (admins)",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params: providerParams },
  responses: {
    200: {
      description: "The provider",
      content: { "application/json": { schema: providerSchema } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/orgs/{org}/sso-providers/{provider_id} */
export const registerGetSsoProvider = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const org = c.get("org");
    const { provider_id: id } = c.req.valid("param");
    const row = await loadProvider(services, org.id, id);
    return c.json(await toProvider(row, org.slug, new URL(c.req.url).origin), 200);
  });
