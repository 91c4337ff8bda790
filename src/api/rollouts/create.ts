import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { createRolloutFromSpec } from "../../services/rollout-create";
import { ApiError, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { createRolloutBody, rolloutSchema } from "./schema";
import { freshRolloutView } from "./view";

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/rollouts",
  tags: ["Rollouts"],
  summary: "Create a rollout of a compiled bundle",
  description:
    "Resolves the target selector (revoked nodes excluded), plans the steps and starts the " +
    "rollout: `pending_approval` when the project requires approvals, `scheduled` for a future " +
    "`scheduled_at`, else `running`. Every spec problem is listed in one 400. 404 for an " +
    "unknown bundle; 409 when the bundle is not compiled, a freeze window is active (for a " +
    "rollout that would start now), target nodes are in another active rollout (their ids " +
    "are listed) or every target node already runs the bundle. Audited as `rollout.created`.",
  security: operatorSecurity("rollouts:write"),
  middleware: [requireScope("rollouts:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: createRolloutBody } } },
  },
  responses: {
    201: { description: "The rollout", content: { "application/json": { schema: rolloutSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
    410: errorResponses[410],
  },
});

/** POST /api/v1/projects/{project}/rollouts */
export const registerCreateRollout = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const result = await createRolloutFromSpec(services, project, actor, c.req.valid("json"), {
      requestId: services.requestId,
    });
    if (!result.ok) {
      const details = result.details.map((d) => ({ path: d.path, message: d.message }));
      throw new ApiError(result.code, result.message, { details });
    }
    return c.json(await freshRolloutView(services, project.id, result.rolloutId), 201);
  });
