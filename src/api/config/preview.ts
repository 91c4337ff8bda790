import { createRoute, z } from "@hono/zod-openapi";
import { diffFiles } from "../../bundles/diff";
import { BUNDLE_ENTRYPOINT } from "../../bundles/manifest";
import { findBundle } from "../../db/bundles";
import { buildModel } from "../../services/config-compile";
import { latestCompiledBundle } from "../../services/config-store";
import { bundleIdSchema } from "../bundles/schema";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { buildDiagnostics, previewDiagnosticSchema } from "./build-schema";

const query = z.object({
  against: bundleIdSchema.optional().openapi({
    param: { name: "against", in: "query" },
    description: "Bundle to diff against; default: the newest compiled bundle",
  }),
});

const previewSchema = z
  .object({
    files: z.record(z.string(), z.string()).openapi({ example: { "zentinel.kdl": "system {}\n" } }),
    valid: z.boolean().openapi({ description: "compile would accept this model" }),
    diagnostics: z.array(previewDiagnosticSchema),
    secret_refs: z.array(z.object({ kind: z.enum(["secret", "certificate"]), name: z.string() })),
    diff: z
      .object({
        against: z.string(),
        unified: z.string(),
        added: z.number().int(),
        removed: z.number().int(),
      })
      .nullable()
      .openapi({ description: "Unified diff from the baseline bundle's files; null without one" }),
  })
  .openapi("ConfigPreview");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/config/preview",
  tags: ["Config model"],
  summary: "Generate the config from the model and validate it, without compiling",
  description:
    "Returns the generated files, the validator's errors and warnings with line/column (and " +
    "model problems with the entity path), the secrets and certificates the config references " +
    "(names only) and a unified diff against the newest compiled bundle or `?against=`.",
  security: operatorSecurity("config:read"),
  middleware: [requireScope("config:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: { description: "The preview", content: { "application/json": { schema: previewSchema } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/config/preview?against= */
export const registerConfigPreview = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const { against } = c.req.valid("query");
    const build = await buildModel(services, project.id);
    const files = { [BUNDLE_ENTRYPOINT]: build.generated.text };
    const baseline =
      against === undefined
        ? await latestCompiledBundle(services.db, project.id)
        : await findBundle(services.db, project.id, against);
    if (against !== undefined && !baseline) {
      throw notFound(`Bundle ${against}`);
    }
    const diff = baseline ? diffFiles(baseline.files, files) : null;
    return c.json(
      {
        files,
        valid: build.ok,
        diagnostics: buildDiagnostics(build),
        secret_refs: build.generated.secretRefs,
        diff:
          baseline && diff
            ? { against: baseline.id, unified: diff.text, added: diff.added, removed: diff.removed }
            : null,
      },
      200,
    );
  });
