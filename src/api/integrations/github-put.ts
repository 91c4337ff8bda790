import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import {
  branchSchema,
  configPathSchema,
  type GithubSettings,
  githubIntegrationSchema,
  repoSchema,
  toGithubIntegration,
} from "./schema";
import {
  deleteSecretStatement,
  GITHUB_TOKEN_SECRET,
  GITHUB_WEBHOOK_SECRET,
  putSecretStatement,
} from "./secrets";

const body = z
  .object({
    repo: repoSchema,
    branch: branchSchema.optional(),
    path: configPathSchema.optional(),
    secret: z.string().min(16).max(256).openapi({
      description: "The webhook secret configured in GitHub (X-Hub-Signature-256 key)",
      example: "a-long-random-webhook-secret",
    }),
    auto_rollout: z
      .boolean()
      .optional()
      .openapi({
        description:
          "Roll out each webhook bundle once it compiled (picked up by the cron within a minute), " +
          "with the project's rollout_template and approval policy",
      }),
    token: z.string().min(1).max(512).nullable().optional().openapi({
      description:
        "GitHub token to read configs of a private repository; null removes it, omitted keeps it",
    }),
  })
  .openapi("PutGithubIntegration");

const route = createRoute({
  method: "put",
  path: "/api/v1/projects/{project}/integrations/github",
  tags: ["Integrations"],
  summary: "Connect the project to a GitHub repository (GitOps)",
  description:
    "Pushes to the branch that touch the config path (or files under its directory) create a " +
    "bundle from the config at that commit, as POST …/bundles does with source `git`. The " +
    "secret and token are encrypted at rest and never shown again. Several projects may use " +
    "one repository, each with its own secret.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: {
      description: "The integration",
      content: { "application/json": { schema: githubIntegrationSchema } },
    },
    ...operatorErrors,
  },
});

/** PUT /api/v1/projects/{project}/integrations/github */
export const registerPutGithubIntegration = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const settings: GithubSettings = {
      repo: input.repo,
      ...(input.branch === undefined ? {} : { branch: input.branch }),
      ...(input.path === undefined ? {} : { path: input.path }),
      auto_rollout: input.auto_rollout ?? false,
    };
    const now = services.clock.now();
    const statements = [
      // json_set touches only settings.github, so concurrent changes to other settings survive.
      services.d1
        .prepare(
          "UPDATE projects SET settings = json_set(settings, '$.github', json(?)), updated_at = ? WHERE id = ?",
        )
        .bind(JSON.stringify(settings), now, project.id),
      await putSecretStatement(services, project.id, GITHUB_WEBHOOK_SECRET, input.secret),
    ];
    if (input.token === null) {
      statements.push(deleteSecretStatement(services.d1, project.id, GITHUB_TOKEN_SECRET));
    } else if (input.token !== undefined) {
      statements.push(
        await putSecretStatement(services, project.id, GITHUB_TOKEN_SECRET, input.token),
      );
    }
    await services.d1.batch(statements);
    const tokenSet =
      input.token === undefined
        ? (await services.d1
            .prepare("SELECT 1 AS one FROM project_secrets WHERE project_id = ? AND name = ?")
            .bind(project.id, GITHUB_TOKEN_SECRET)
            .first()) !== null
        : input.token !== null;
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "integration.github.updated",
      resourceType: "project",
      resourceId: project.id,
      diff: {
        before: { github: project.settings.github ?? null },
        after: { github: settings, secret: "(set)", token: tokenSet ? "(set)" : null },
      },
      requestId: services.requestId,
    });
    return c.json(toGithubIntegration(settings, { secret: true, token: tokenSet }, c.req.url), 200);
  });
