import { createRoute, z } from "@hono/zod-openapi";
import { diffFiles } from "../../bundles/diff";
import { parseStoredConfig } from "../../bundles/pipeline";
import { previousCompiled } from "../../db/bundles";
import { type ConfigDiff, DIFFED_GLOBALS, diffConfigs } from "../../domain/config-diff";
import { errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { bundleIdSchema, bundleParams, requireBundle } from "./schema";

const collectionDiff = z.object({
  added: z.array(z.string()).openapi({ example: ["docs"] }),
  removed: z.array(z.string()).openapi({ example: ["legacy"] }),
  changed: z
    .array(z.object({ id: z.string(), fields: z.array(z.string()) }))
    .openapi({ example: [{ id: "api", fields: ["upstream", "policies"] }] }),
});

const diffSchema = z
  .object({
    bundle_id: bundleIdSchema,
    against: bundleIdSchema
      .nullable()
      .openapi({ description: "The older side; null when there is no earlier compiled bundle" }),
    unified: z.string().openapi({
      description: "Unified diff (diff -u) of the config files, from `against` to `bundle_id`",
      example:
        '--- a/zentinel.kdl\n+++ b/zentinel.kdl\n@@ -3 +3 @@\n-        upstream "v1"\n+        upstream "v2"\n',
    }),
    files: z.array(
      z.object({
        path: z.string(),
        status: z.enum(["added", "removed", "modified"]),
        added: z.number().int(),
        removed: z.number().int(),
      }),
    ),
    summary: z
      .object({
        listeners: collectionDiff,
        routes: collectionDiff,
        upstreams: collectionDiff,
        agents: collectionDiff,
        filters: collectionDiff,
        globals: z.array(z.enum(DIFFED_GLOBALS)),
      })
      .nullable()
      .openapi({ description: "Structural changes; null when either side does not validate" }),
  })
  .openapi("BundleDiff");

const query = z.object({
  against: bundleIdSchema.optional().openapi({
    param: { name: "against", in: "query" },
    description: "Bundle to compare with; default: the previous compiled bundle",
  }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/bundles/{bundle_id}/diff",
  tags: ["Bundles"],
  summary: "What changed between two bundles (files and structure)",
  security: operatorSecurity("bundles:read"),
  middleware: [requireScope("bundles:read")] as const,
  request: { params: bundleParams, query },
  responses: {
    200: { description: "The diff", content: { "application/json": { schema: diffSchema } } },
    ...operatorErrors,
    410: errorResponses[410],
  },
});

function structural(
  before: Record<string, string> | null,
  after: Record<string, string>,
): ConfigDiff | null {
  const next = parseStoredConfig(after);
  if (next === null) {
    return null;
  }
  if (before === null) {
    return diffConfigs(null, next);
  }
  const previous = parseStoredConfig(before);
  return previous === null ? null : diffConfigs(previous, next);
}

/** GET /api/v1/projects/{project}/bundles/{bundle_id}/diff?against=<bundle_id> */
export const registerDiffBundles = (app: App) =>
  app.openapi(route, async (c) => {
    const bundle = await requireBundle(c, c.req.valid("param").bundle_id);
    const { against } = c.req.valid("query");
    const base =
      against === undefined
        ? ((await previousCompiled(c.get("services").db, currentProject(c).id, bundle.sequence)) ??
          null)
        : await requireBundle(c, against);
    const files = diffFiles(base?.files ?? {}, bundle.files);
    return c.json(
      {
        bundle_id: bundle.id,
        against: base?.id ?? null,
        unified: files.text,
        files: files.files,
        summary: structural(base?.files ?? null, bundle.files),
      },
      200,
    );
  });
