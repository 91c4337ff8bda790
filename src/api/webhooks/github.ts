import { createRoute, z } from "@hono/zod-openapi";
import { inArray, sql } from "drizzle-orm";
import type { Actor } from "../../auth/principal";
import { projects } from "../../db/schema";
import type { Diagnostic } from "../../kdl/index";
import type { ProjectRow, Services } from "../../services";
import { submitBundle } from "../../services/bundle-create";
import {
  ApiError,
  badRequest,
  conflict,
  errorResponses,
  unauthorized,
  zodDetails,
} from "../errors";
import type { App } from "../hono";
import { DEFAULT_BRANCH, DEFAULT_CONFIG_PATH, GITHUB_ACTOR } from "../integrations/schema";
import {
  GITHUB_TOKEN_SECRET,
  GITHUB_WEBHOOK_SECRET,
  openSecret,
  readSecret,
} from "../integrations/secrets";
import { type Fetcher, fetchConfigAtCommit } from "./github-fetch";
import {
  changedFiles,
  type PushPayload,
  pushPayloadSchema,
  touchesConfig,
  verifyGithubSignature,
} from "./github-push";

/** Projects checked per delivery (one repository rarely feeds more than a few projects). */
export const MAX_PROJECTS_PER_REPO = 20;

const headers = z.object({
  "x-github-event": z.string().min(1).openapi({ example: "push" }),
  "x-hub-signature-256": z.string().optional().openapi({ example: "sha256=5d2f…" }),
  "x-github-delivery": z.string().max(100).optional(),
});

const resultSchema = z
  .object({
    project: z.string().openapi({ example: "edge-eu" }),
    status: z.enum(["accepted", "unchanged", "ignored", "failed"]),
    reason: z
      .string()
      .optional()
      .openapi({ example: "refs/heads/dev is not the configured branch" }),
    bundle_id: z.string().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  })
  .openapi("GithubWebhookResult");

const responseSchema = z
  .object({
    delivery: z.string().nullable(),
    event: z.string().openapi({ example: "push" }),
    bundle_id: z.string().nullable().openapi({ description: "The first bundle created, if any" }),
    results: z.array(resultSchema),
  })
  .openapi("GithubWebhookResponse");

type Result = z.infer<typeof resultSchema>;

const unavailable = z
  .object({
    error: z.object({
      code: z.literal("UNAVAILABLE"),
      message: z.string(),
      request_id: z.string(),
    }),
  })
  .openapi("ErrGithubFetchUnavailable");

const route = createRoute({
  method: "post",
  path: "/api/v1/webhooks/github",
  tags: ["Webhooks"],
  summary: "GitHub push webhook (GitOps)",
  description:
    "Configure in GitHub with content type `application/json` and the secret given to PUT " +
    "…/integrations/github. The signature (`X-Hub-Signature-256`) is checked against the secret " +
    "of every project connected to `repository.full_name`; each project it matches handles the " +
    "delivery. A `push` to the project's branch that touches its config path (or files under its " +
    "directory) creates a bundle from the config at that commit (source `git`, ref = commit). " +
    "202 when a bundle was created, 200 when nothing was to do (`ignored` with a reason, or " +
    "`unchanged` for content already compiled). When every matching project failed, the first " +
    "failure is the answer (422 invalid config, 409 revoked content, 503 the config could not " +
    "be fetched).",
  request: {
    headers,
    body: {
      required: true,
      content: {
        // A plain schema (not zod) documents the payload without validating it before the
        // signature check: validation needs the raw bytes to be verified first.
        "application/json": {
          schema: {
            type: "object",
            description: "A GitHub webhook payload (push: ref, after, repository, commits)",
            example: {
              ref: "refs/heads/main",
              after: "4f2a9c1e0b7d3a5c8e6f1a2b3c4d5e6f7a8b9c0d",
              repository: { full_name: "acme/edge-config" },
              commits: [{ added: [], modified: ["zentinel.kdl"], removed: [] }],
            },
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: "Nothing to do",
      content: { "application/json": { schema: responseSchema } },
    },
    202: {
      description: "A bundle was created and its compile queued",
      content: { "application/json": { schema: responseSchema } },
    },
    400: errorResponses[400],
    401: errorResponses[401],
    409: errorResponses[409],
    413: errorResponses[413],
    422: errorResponses[422],
    503: {
      description: "The config could not be fetched from GitHub",
      content: { "application/json": { schema: unavailable } },
    },
  },
});

function parsePayload(raw: Uint8Array, contentType: string | undefined): Record<string, unknown> {
  if (!contentType?.toLowerCase().includes("json")) {
    throw badRequest("Set the webhook's content type to application/json", [
      { path: "content-type", message: "must be application/json" },
    ]);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw badRequest("Malformed JSON in request body");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("The payload must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function repositoryOf(payload: Record<string, unknown>): string {
  const repo = payload.repository;
  const name =
    typeof repo === "object" && repo !== null ? (repo as Record<string, unknown>).full_name : null;
  if (typeof name !== "string" || name === "") {
    throw badRequest("The payload names no repository", [
      { path: "repository.full_name", message: "required" },
    ]);
  }
  return name;
}

/**
 * The projects connected to `repo` whose secret produced `signature`. Every candidate's secret
 * is checked (constant-time), so a repository shared by projects with different secrets routes
 * each delivery to exactly the projects that share the signing secret. No match, no signature,
 * or no connected project at all: 401, without saying which.
 */
async function authenticate(
  services: Services,
  repo: string,
  raw: Uint8Array<ArrayBuffer>,
  signature: string | undefined,
): Promise<ProjectRow[]> {
  if (signature === undefined) {
    throw unauthorized("Missing X-Hub-Signature-256");
  }
  const { results } = await services.d1
    .prepare(
      `SELECT p.id AS id, s.value_enc AS value_enc FROM projects p
       JOIN project_secrets s ON s.project_id = p.id AND s.name = ?
       WHERE lower(json_extract(p.settings, '$.github.repo')) = lower(?)
       LIMIT ?`,
    )
    .bind(GITHUB_WEBHOOK_SECRET, repo, MAX_PROJECTS_PER_REPO)
    .all<{ id: string; value_enc: string }>();
  const matched: string[] = [];
  for (const candidate of results) {
    const secret = await openSecret(
      services,
      candidate.id,
      GITHUB_WEBHOOK_SECRET,
      candidate.value_enc,
    );
    if (await verifyGithubSignature(secret, raw, signature)) {
      matched.push(candidate.id);
    }
  }
  if (matched.length === 0) {
    throw unauthorized("Signature does not match any project connected to this repository");
  }
  return services.db
    .select()
    .from(projects)
    .where(inArray(projects.id, matched))
    .orderBy(sql`${projects.slug}`);
}

const diagnosticDetail = (d: Diagnostic) => ({
  file: d.file,
  line: d.line,
  column: d.column,
  message: d.message,
  ...(d.rule === undefined ? {} : { rule: d.rule }),
});

/** What one project does with a push: a result, or the error it failed with. */
async function handlePush(
  services: Services,
  fetcher: Fetcher,
  project: ProjectRow,
  push: PushPayload,
  repo: string,
): Promise<Result | ApiError> {
  const settings = project.settings.github;
  const branch = settings?.branch ?? DEFAULT_BRANCH;
  const path = settings?.path ?? DEFAULT_CONFIG_PATH;
  const ignored = (reason: string): Result => ({
    project: project.slug,
    status: "ignored",
    reason,
  });
  if (push.ref !== `refs/heads/${branch}`) {
    return ignored(`${push.ref} is not the configured branch ${branch}`);
  }
  if (push.deleted || /^0+$/.test(push.after)) {
    return ignored("the branch was deleted");
  }
  if (!touchesConfig(path, changedFiles(push))) {
    return ignored(`no change to ${path} or files under its directory`);
  }
  const fetched = await fetchConfigAtCommit(fetcher, {
    repo,
    sha: push.after,
    path,
    token: await readSecret(services, project.id, GITHUB_TOKEN_SECRET),
  });
  if (!fetched.ok) {
    return new ApiError("UNAVAILABLE", fetched.reason);
  }
  const actor: Actor = { ...GITHUB_ACTOR, label: `GitHub ${repo}` };
  const outcome = await submitBundle(services, project, actor, {
    config: fetched.text,
    version: `git-${push.after.slice(0, 8)}`,
    source: { type: "git", ref: push.after },
  });
  switch (outcome.kind) {
    case "invalid":
      return new ApiError(
        "INVALID_CONFIG",
        `Configuration at ${push.after.slice(0, 8)} rejected: ${outcome.errors.length} error(s)`,
        { details: outcome.errors.map(diagnosticDetail) },
      );
    case "revoked":
      return conflict(
        `The config at this commit is identical to revoked bundle ${outcome.bundleId}`,
      );
    case "collecting":
      return conflict(
        `The config at this commit is identical to bundle ${outcome.bundleId}, which is being garbage-collected right now; redeliver in ${outcome.retryAfterS} s`,
      );
    case "contended":
      return conflict("The bundle kept changing under concurrent submissions; redeliver");
    case "accepted":
      return outcome.status === 202
        ? { project: project.slug, status: "accepted", bundle_id: outcome.row.id }
        : {
            project: project.slug,
            status: "unchanged",
            bundle_id: outcome.row.id,
            reason: "this content is already compiled",
          };
  }
}

/**
 * POST /api/v1/webhooks/github. Outbound requests (the config fetch) go through `fetcher`,
 * looked up per request so tests can replace the runtime's fetch.
 */
export function registerGithubWebhook(
  app: App,
  fetcher: Fetcher = (request) => fetch(request),
): void {
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const hdr = c.req.valid("header");
    const event = hdr["x-github-event"];
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const payload = parsePayload(raw, c.req.header("content-type"));
    const repo = repositoryOf(payload);
    const matched = await authenticate(services, repo, raw, hdr["x-hub-signature-256"]);
    const answer = (results: Result[], status: 200 | 202) =>
      c.json(
        {
          delivery: hdr["x-github-delivery"] ?? null,
          event,
          bundle_id: results.find((r) => r.status === "accepted")?.bundle_id ?? null,
          results,
        },
        status,
      );
    if (event !== "push") {
      const reason = event === "ping" ? "ping" : `event '${event}' is not handled`;
      return answer(
        matched.map((p) => ({ project: p.slug, status: "ignored" as const, reason })),
        200,
      );
    }
    const push = pushPayloadSchema.safeParse(payload);
    if (!push.success) {
      throw badRequest("Malformed push payload", zodDetails(push.error));
    }
    const outcomes: Array<Result | ApiError> = [];
    for (const project of matched) {
      outcomes.push(await handlePush(services, fetcher, project, push.data, repo));
    }
    const firstError = outcomes.find((o): o is ApiError => o instanceof ApiError);
    if (firstError && outcomes.every((o) => o instanceof ApiError)) {
      throw firstError;
    }
    const results = outcomes.map(
      (o, i): Result =>
        o instanceof ApiError
          ? {
              project: matched[i]?.slug ?? "",
              status: "failed",
              error: { code: o.code, message: o.message },
            }
          : o,
    );
    return answer(results, results.some((r) => r.status === "accepted") ? 202 : 200);
  });
}
