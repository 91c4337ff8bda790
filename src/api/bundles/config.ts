import { createRoute, z } from "@hono/zod-openapi";
import { BUNDLE_ENTRYPOINT } from "../../bundles/manifest";
import { errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { bundleParams, requireBundle } from "./schema";

const configSchema = z
  .object({
    bundle_id: z.string(),
    entry: z.literal(BUNDLE_ENTRYPOINT),
    files: z.record(z.string(), z.string()).openapi({
      description: "Every config file of the bundle by relative path, the entry included",
      example: { "zentinel.kdl": 'include "routes/*.kdl"\n', "routes/api.kdl": "routes {}\n" },
    }),
  })
  .openapi("BundleConfig");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/bundles/{bundle_id}/config",
  tags: ["Bundles"],
  summary: "The bundle's configuration files as submitted",
  security: operatorSecurity("bundles:read"),
  middleware: [requireScope("bundles:read")] as const,
  request: { params: bundleParams },
  responses: {
    200: { description: "Config files", content: { "application/json": { schema: configSchema } } },
    ...operatorErrors,
    410: errorResponses[410],
  },
});

/** GET /api/v1/projects/{project}/bundles/{bundle_id}/config (any status, revoked included). */
export const registerGetBundleConfig = (app: App) =>
  app.openapi(route, async (c) => {
    const bundle = await requireBundle(c, c.req.valid("param").bundle_id);
    return c.json({ bundle_id: bundle.id, entry: BUNDLE_ENTRYPOINT, files: bundle.files }, 200);
  });
