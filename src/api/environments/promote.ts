import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { environments } from "../../db/schema";
import { createRolloutFromSpec } from "../../services/rollout-create";
import { bundleParams } from "../bundles/schema";
import { ApiError, badRequest, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { rolloutSchema } from "../rollouts/schema";
import { freshRolloutView } from "../rollouts/view";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rolloutFromTemplate } from "./rollout-template";
import { type EnvironmentSelector, environmentName } from "./schema";

const body = z.object({ environment: environmentName }).openapi("PromoteBundle");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/bundles/{bundle_id}/promote",
  tags: ["Environments"],
  summary: "Promote a compiled bundle into an environment (creates a rollout)",
  description:
    "Creates a rollout of the bundle over the environment's selector, with the environment's " +
    "`approvals_required` (instead of the project's) and the project's `rollout_template` for " +
    "everything else. The rollout behaves like one from POST …/rollouts: 409 when the bundle is " +
    "not compiled, a freeze window is active, target nodes are in another rollout or all run " +
    "the bundle already; 400 when the template is invalid or the selector matches no node.",
  security: operatorSecurity("rollouts:write"),
  middleware: [requireScope("rollouts:write")] as const,
  request: {
    params: bundleParams,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: {
      description: "The promotion's rollout",
      content: { "application/json": { schema: rolloutSchema } },
    },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/projects/{project}/bundles/{bundle_id}/promote */
export const registerPromoteBundle = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const principal = requirePrincipal(c.get("principal"));
    const { bundle_id } = c.req.valid("param");
    const { environment: name } = c.req.valid("json");
    const env = await services.db.query.environments.findFirst({
      where: and(eq(environments.projectId, project.id), eq(environments.name, name)),
    });
    if (!env) {
      throw notFound(`Environment '${name}'`);
    }
    const template = rolloutFromTemplate(
      project.settings.rollout_template,
      bundle_id,
      env.selector as EnvironmentSelector,
    );
    if (!template.ok) {
      throw badRequest("The project's rollout_template is invalid", template.details);
    }
    const result = await createRolloutFromSpec(
      services,
      project,
      actorOf(principal),
      template.input,
      { approvalsRequired: env.approvalsRequired, requestId: services.requestId },
    );
    if (!result.ok) {
      const details = result.details.map((d) => ({ path: d.path, message: d.message }));
      throw new ApiError(result.code, result.message, { details });
    }
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor: actorOf(principal),
      action: "bundle.promoted",
      resourceType: "bundle",
      resourceId: bundle_id,
      diff: {
        after: {
          environment: env.name,
          rollout_id: result.rolloutId,
          approvals_required: env.approvalsRequired,
        },
      },
      requestId: services.requestId,
    });
    return c.json(await freshRolloutView(services, project.id, result.rolloutId), 201);
  });
