import { createRoute } from "@hono/zod-openapi";
import { errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { bundleParams, bundleSchema, requireBundle, toBundle } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/bundles/{bundle_id}",
  tags: ["Bundles"],
  summary: "Show one bundle: status, checksum, signature, risk, compiler output",
  security: operatorSecurity("bundles:read"),
  middleware: [requireScope("bundles:read")] as const,
  request: { params: bundleParams },
  responses: {
    200: { description: "The bundle", content: { "application/json": { schema: bundleSchema } } },
    ...operatorErrors,
    410: errorResponses[410],
  },
});

/** GET /api/v1/projects/{project}/bundles/{bundle_id} */
export const registerGetBundle = (app: App) =>
  app.openapi(route, async (c) => {
    const bundle = await requireBundle(c, c.req.valid("param").bundle_id);
    return c.json(toBundle(bundle), 200);
  });
