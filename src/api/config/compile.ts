import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { compileModel } from "../../services/config-compile";
import { bundleSchema, diagnosticSchema, toBundle } from "../bundles/schema";
import { ApiError, conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rejectionDetails } from "./build-schema";

const body = z
  .object({
    version: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'Label; defaults to "v<sequence>"', example: "2026.12.07-1" }),
  })
  .openapi("CompileModel");

const submitted = bundleSchema
  .extend({ warnings: z.array(diagnosticSchema) })
  .openapi("ModelBundleSubmission");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/config/compile",
  tags: ["Config model"],
  summary: "Compile the model into a bundle",
  description:
    "Generates the config, validates it (422 listing every model problem and validator error; " +
    "no bundle is created) and submits it exactly like `POST …/bundles`: 202 with a pending " +
    'bundle, 200 when this content is already compiled. The bundle\'s `source.type` is "model". ' +
    "Secret values are never in the bundle: it carries file paths, and the agent fetches the " +
    "values through `GET /nodes/{node_id}/secrets?bundle=`. Needs `config:write` and " +
    "`bundles:write`.",
  security: operatorSecurity("config:write"),
  middleware: [requireScope("config:write"), requireScope("bundles:write")] as const,
  request: {
    params: projectParam,
    body: { required: false, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: {
      description: "Already compiled",
      content: { "application/json": { schema: submitted } },
    },
    202: {
      description: "Accepted; compile queued",
      content: { "application/json": { schema: submitted } },
    },
    ...operatorErrors,
    409: errorResponses[409],
    422: errorResponses[422],
  },
});

/** POST /api/v1/projects/{project}/config/compile */
export const registerConfigCompile = (app: App) =>
  app.openapi(route, async (c) => {
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.header("content-type") ? c.req.valid("json") : {};
    const outcome = await compileModel(c.get("services"), project, actor, input.version);
    if (outcome.kind === "rejected") {
      const details = rejectionDetails(outcome.build);
      throw new ApiError(
        "INVALID_CONFIG",
        `The model does not generate a valid config: ${details.length} error(s)`,
        { details },
      );
    }
    const result = outcome.result;
    switch (result.kind) {
      case "invalid":
        throw new ApiError("INVALID_CONFIG", "The generated config was rejected", {
          details: result.errors.map((d) => ({ ...d })),
        });
      case "revoked":
        throw conflict(`The generated config is identical to revoked bundle ${result.bundleId}`);
      case "collecting":
        throw new ApiError(
          "CONFLICT",
          `The generated config is identical to bundle ${result.bundleId}, which is being garbage-collected right now; retry in ${result.retryAfterS} s to rebuild it`,
          { headers: { "Retry-After": String(result.retryAfterS) } },
        );
      case "contended":
        throw new ApiError(
          "CONFLICT",
          "The bundle kept changing under concurrent submissions; retry",
        );
      case "accepted":
        return c.json(
          {
            ...toBundle(result.row),
            warnings: result.warnings.map((d) => ({
              file: d.file,
              line: d.line,
              column: d.column,
              message: d.message,
              ...(d.rule === undefined ? {} : { rule: d.rule }),
            })),
          },
          result.status,
        );
    }
  });
