import { createRoute, z } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireOrgScope } from "../middleware/require-org-scope";
import { orgParam } from "../orgs/schema";
import { operatorSecurity } from "../security";
import { listProviders } from "../sso/providers";
import { providerSchema, toProvider } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/orgs/{org}/sso-providers",
  tags: ["Orgs"],
  summary: "The org's identity providers (admins)",
  description: "Oldest first; at most 20 per org, so the list is never paginated.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: { params: orgParam },
  responses: {
    200: {
      description: "Providers",
      content: {
        "application/json": {
          schema: z
            .object({ items: z.array(providerSchema), next_cursor: z.null() })
            .openapi("SsoProviderList"),
        },
      },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/orgs/{org}/sso-providers */
export const registerListSsoProviders = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const org = c.get("org");
    const origin = new URL(c.req.url).origin;
    const rows = await listProviders(services, org.id);
    const items = await Promise.all(rows.map((r) => toProvider(r, org.slug, origin)));
    return c.json({ items, next_cursor: null }, 200);
  });
