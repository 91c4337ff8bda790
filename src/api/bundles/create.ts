import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { submittedPathProblem } from "../../bundles/pipeline";
import type { Diagnostic } from "../../kdl/index";
import { submitBundle } from "../../services/bundle-create";
import { ApiError, conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { bundleSchema, diagnosticSchema, toBundle } from "./schema";

/** Extra files a submission may carry besides the entry. */
export const MAX_EXTRA_FILES = 256;

const EXAMPLE_CONFIG = `system {
    worker-threads 0
}
listeners {
    listener "http" {
        address "0.0.0.0:8080"
        protocol "http"
    }
}
include "routes/*.kdl"
upstreams {
    upstream "backend" {
        target "10.0.0.5:9000"
    }
}
`;

const body = z
  .object({
    config: z
      .string()
      .min(1)
      .openapi({ description: "Content of the entry file zentinel.kdl", example: EXAMPLE_CONFIG }),
    files: z
      .record(z.string(), z.string())
      .optional()
      .superRefine((files, ctx) => {
        const paths = Object.keys(files ?? {});
        if (paths.length > MAX_EXTRA_FILES) {
          ctx.addIssue({ code: "custom", message: `at most ${MAX_EXTRA_FILES} files` });
        }
        for (const path of paths) {
          const problem = submittedPathProblem(path);
          if (problem !== null) {
            ctx.addIssue({ code: "custom", message: problem, path: [path] });
          }
        }
      })
      .openapi({
        description:
          "Files included from zentinel.kdl, by relative path (`*.kdl`). Files no include reaches are left out of the bundle with a warning.",
        example: {
          "routes/api.kdl":
            'routes {\n    route "api" {\n        matches {\n            path-prefix "/api"\n        }\n        upstream "backend"\n    }\n}\n',
        },
      }),
    version: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: 'Label; defaults to "v<sequence>"', example: "2026.11.22-1" }),
    source: z
      .object({
        type: z.enum(["api", "git"]),
        ref: z.string().trim().min(1).max(200).optional().openapi({ example: "main@4f2a9c1" }),
      })
      .optional(),
  })
  .openapi("CreateBundle");

const created = bundleSchema
  .extend({ warnings: z.array(diagnosticSchema) })
  .openapi("BundleSubmission");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/bundles",
  tags: ["Bundles"],
  summary: "Submit a configuration; it is validated now and compiled asynchronously",
  description:
    "Validates the KDL at once (422 with every error's file, line and column). The bundle id is the content digest: " +
    "new content → 202 with a `pending` bundle and a compile job; content already compiled → 200 with that bundle; " +
    "content still compiling → 202 with it; content that failed to compile or was garbage-collected → compiled again (202); " +
    "a revoked bundle → 409. Content whose garbage-collected archive is being deleted at this moment → 409 with " +
    "`Retry-After`: retry to rebuild it. Every accepted submission restarts the bundle's GC grace period.",
  security: operatorSecurity("bundles:write"),
  middleware: [requireScope("bundles:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: {
      description: "This content is already compiled",
      content: { "application/json": { schema: created } },
    },
    202: {
      description: "Accepted; compile queued (poll GET …/bundles/{bundle_id})",
      content: { "application/json": { schema: created } },
    },
    ...operatorErrors,
    409: errorResponses[409],
    422: errorResponses[422],
  },
});

function diagnosticDetail(d: Diagnostic) {
  return {
    file: d.file,
    line: d.line,
    column: d.column,
    message: d.message,
    ...(d.rule === undefined ? {} : { rule: d.rule }),
    ...(d.detail === undefined ? {} : { detail: d.detail }),
  };
}

/**
 * POST /api/v1/projects/{project}/bundles: the HTTP face of `submitBundle` (shared with the
 * GitHub webhook, so both paths dedupe, number and enqueue identically).
 */
export const registerCreateBundle = (app: App) =>
  app.openapi(route, async (c) => {
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const result = await submitBundle(c.get("services"), project, actor, c.req.valid("json"));
    switch (result.kind) {
      case "invalid": {
        const n = result.errors.length;
        throw new ApiError(
          "INVALID_CONFIG",
          `Configuration rejected: ${n} error${n === 1 ? "" : "s"}`,
          {
            details: result.errors.map(diagnosticDetail),
          },
        );
      }
      case "revoked":
        throw conflict(
          `Bundle ${result.bundleId} has this exact content and was revoked; change the configuration to submit it again`,
          [{ path: "config", message: `identical to revoked bundle ${result.bundleId}` }],
        );
      case "collecting":
        throw new ApiError(
          "CONFLICT",
          `Bundle ${result.bundleId} has this exact content and is being garbage-collected right now; retry in ${result.retryAfterS} s to rebuild it`,
          {
            details: [
              { path: "config", message: `identical to collected bundle ${result.bundleId}` },
            ],
            headers: { "Retry-After": String(result.retryAfterS) },
          },
        );
      case "contended":
        throw new ApiError(
          "CONFLICT",
          "The bundle kept changing under concurrent submissions; retry",
        );
      case "accepted":
        return c.json(
          { ...toBundle(result.row), warnings: result.warnings.map(diagnosticDetail) },
          result.status,
        );
    }
  });
