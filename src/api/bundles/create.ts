import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type Actor, actorOf } from "../../auth/principal";
import {
  type PreparedBundle,
  prepareBundle,
  submissionFiles,
  submittedPathProblem,
} from "../../bundles/pipeline";
import { findBundle, insertPendingBundle, type NewBundle, resubmitBundle } from "../../db/bundles";
import type { Diagnostic } from "../../kdl/index";
import type { BundleRow, ProjectRow } from "../../services";
import { ApiError, conflict, errorResponses, operatorErrors } from "../errors";
import type { App, AppEnv } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { currentProject } from "../tenant";
import { bundleSchema, diagnosticSchema, toBundle } from "./schema";

/**
 * Read-then-write passes before giving up. A pass only repeats when a concurrent submission of
 * the same content changed the row in between, which settles after one or two passes.
 */
const SUBMIT_PASSES = 4;

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
    "content still compiling → 202 with it; content that failed to compile → compiled again (202); a revoked bundle → 409.",
  security: [{ bearerAuth: [] }],
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

type Input = z.infer<typeof body>;

/** Submission facts shared by the insert and resubmit paths. */
interface Submission {
  project: ProjectRow;
  prepared: PreparedBundle;
  input: Input;
  actor: Actor;
}

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

async function enqueueCompile(c: Context<AppEnv>, bundle: Pick<BundleRow, "id" | "projectId">) {
  const { compileQueue, requestId } = c.get("services");
  await compileQueue.send({ bundleId: bundle.id, projectId: bundle.projectId, requestId });
}

async function recordSubmission(
  c: Context<AppEnv>,
  s: Submission,
  row: BundleRow,
  action: "bundle.created" | "bundle.resubmitted",
) {
  const { audit, requestId } = c.get("services");
  const after = {
    bundle_id: row.id,
    sequence: row.sequence,
    version: row.version,
    source: { type: row.sourceType, ref: row.sourceRef },
    files: Object.keys(row.files).sort(),
  };
  await audit.record(
    {
      orgId: s.project.orgId,
      projectId: s.project.id,
      actor: s.actor,
      action,
      resourceType: "bundle",
      resourceId: row.id,
      diff: { after },
      requestId,
    },
    [
      {
        projectId: s.project.id,
        type: action,
        resourceType: "bundle",
        resourceId: row.id,
        payload: { bundle_id: row.id, sequence: row.sequence, version: row.version },
      },
    ],
  );
}

/** The row fields a submission sets, on insert and on resubmission alike. */
function submissionFields(s: Submission): Omit<NewBundle, "files" | "createdAt"> {
  return {
    id: s.prepared.bundleId,
    projectId: s.project.id,
    version: s.input.version ?? null,
    sourceType: s.input.source?.type ?? "api",
    sourceRef: s.input.source?.ref ?? null,
    createdBy: `${s.actor.type}:${s.actor.id}`,
  };
}

async function reread(c: Context<AppEnv>, s: Submission): Promise<BundleRow> {
  const row = await findBundle(c.get("services").db, s.project.id, s.prepared.bundleId);
  if (!row) {
    throw new Error(`bundle ${s.prepared.bundleId} vanished after it was written`);
  }
  return row;
}

/**
 * Inserts or resubmits, then answers. Revoked content is refused: revocation is permanent for a
 * digest. Failed or garbage-collected content is compiled again as a new submission.
 */
async function submit(
  c: Context<AppEnv>,
  s: Submission,
): Promise<{ row: BundleRow; status: 200 | 202 }> {
  const { db, d1, clock } = c.get("services");
  for (let pass = 0; pass < SUBMIT_PASSES; pass++) {
    const existing = await findBundle(db, s.project.id, s.prepared.bundleId);
    if (!existing) {
      const numbered = await insertPendingBundle(d1, {
        ...submissionFields(s),
        files: s.prepared.files,
        createdAt: clock.now(),
      });
      if (numbered === null) {
        continue; // the same content was inserted concurrently: answer from its row
      }
      const row = await reread(c, s);
      await enqueueCompile(c, row);
      await recordSubmission(c, s, row, "bundle.created");
      return { row, status: 202 };
    }
    if (existing.status === "revoked") {
      throw conflict(
        `Bundle ${existing.id} has this exact content and was revoked; change the configuration to submit it again`,
        [{ path: "config", message: `identical to revoked bundle ${existing.id}` }],
      );
    }
    if (existing.deletedAt !== null || existing.status === "failed") {
      if ((await resubmitBundle(d1, submissionFields(s))) === null) {
        continue;
      }
      const row = await reread(c, s);
      await enqueueCompile(c, row);
      await recordSubmission(c, s, row, "bundle.resubmitted");
      return { row, status: 202 };
    }
    switch (existing.status) {
      case "compiled":
        return { row: existing, status: 200 };
      case "pending":
        // No attempt yet: the compile job may have been lost (e.g. the enqueue after the insert
        // failed). Jobs are idempotent, so sending another is safe.
        if (existing.compileAttempts === 0) {
          await enqueueCompile(c, existing);
        }
        return { row: existing, status: 202 };
      case "compiling":
        return { row: existing, status: 202 };
    }
  }
  throw new ApiError("CONFLICT", "The bundle kept changing under concurrent submissions; retry");
}

/** POST /api/v1/projects/{project}/bundles */
export const registerCreateBundle = (app: App) =>
  app.openapi(route, async (c) => {
    const project = currentProject(c);
    const input = c.req.valid("json");
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const prepared = await prepareBundle(project.id, submissionFiles(input.config, input.files));
    if (!prepared.ok) {
      const n = prepared.errors.length;
      throw new ApiError(
        "INVALID_CONFIG",
        `Configuration rejected: ${n} error${n === 1 ? "" : "s"}`,
        {
          details: prepared.errors.map(diagnosticDetail),
        },
      );
    }
    const { row, status } = await submit(c, { project, prepared, input, actor });
    return c.json({ ...toBundle(row), warnings: prepared.warnings.map(diagnosticDetail) }, status);
  });
