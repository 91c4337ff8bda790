import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { deleteSecretStatement, GITHUB_TOKEN_SECRET, GITHUB_WEBHOOK_SECRET } from "./secrets";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/integrations/github",
  tags: ["Integrations"],
  summary: "Disconnect the GitHub repository (its secret and token are deleted)",
  description: "Deliveries for the repository stop matching this project at once (401).",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: projectParam },
  responses: {
    204: { description: "Disconnected (also when nothing was connected)" },
    ...operatorErrors,
  },
});

/** DELETE /api/v1/projects/{project}/integrations/github */
export const registerDeleteGithubIntegration = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const [settings, secret] = await services.d1.batch([
      services.d1
        .prepare(
          `UPDATE projects SET settings = json_remove(settings, '$.github'), updated_at = ?
           WHERE id = ? AND json_extract(settings, '$.github') IS NOT NULL`,
        )
        .bind(services.clock.now(), project.id),
      deleteSecretStatement(services.d1, project.id, GITHUB_WEBHOOK_SECRET),
      deleteSecretStatement(services.d1, project.id, GITHUB_TOKEN_SECRET),
    ]);
    if ((settings?.meta.changes ?? 0) > 0 || (secret?.meta.changes ?? 0) > 0) {
      await services.audit.record({
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "integration.github.deleted",
        resourceType: "project",
        resourceId: project.id,
        diff: { before: { github: project.settings.github ?? null } },
        requestId: services.requestId,
      });
    }
    return c.body(null, 204);
  });
