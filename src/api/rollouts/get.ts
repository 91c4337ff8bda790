import { createRoute } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rolloutParams, rolloutSchema } from "./schema";
import { freshRolloutView } from "./view";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/rollouts/{rollout_id}",
  tags: ["Rollouts"],
  summary: "Show a rollout: state, spec, steps with their analysis, progress, error, approvals",
  security: operatorSecurity("rollouts:read"),
  middleware: [requireScope("rollouts:read")] as const,
  request: { params: rolloutParams },
  responses: {
    200: { description: "The rollout", content: { "application/json": { schema: rolloutSchema } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/rollouts/{rollout_id} */
export const registerGetRollout = (app: App) =>
  app.openapi(route, async (c) => {
    const { rollout_id: id } = c.req.valid("param");
    return c.json(await freshRolloutView(c.get("services"), currentProject(c).id, id), 200);
  });
