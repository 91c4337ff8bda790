import { createRoute } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { githubIntegrationSchema, toGithubIntegration } from "./schema";
import { GITHUB_TOKEN_SECRET, GITHUB_WEBHOOK_SECRET, secretsSet } from "./secrets";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/integrations/github",
  tags: ["Integrations"],
  summary: "Show the project's GitHub integration (without its secrets)",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: projectParam },
  responses: {
    200: {
      description: "The integration; `configured` is false when there is none",
      content: { "application/json": { schema: githubIntegrationSchema } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/integrations/github */
export const registerGetGithubIntegration = (app: App) =>
  app.openapi(route, async (c) => {
    const { d1 } = c.get("services");
    const project = currentProject(c);
    const set = await secretsSet(d1, project.id, [GITHUB_WEBHOOK_SECRET, GITHUB_TOKEN_SECRET]);
    return c.json(
      toGithubIntegration(
        project.settings.github,
        { secret: set.has(GITHUB_WEBHOOK_SECRET), token: set.has(GITHUB_TOKEN_SECRET) },
        c.req.url,
      ),
      200,
    );
  });
