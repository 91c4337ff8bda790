import { z } from "@hono/zod-openapi";
import type { App } from "../hono";
import { actionText, registerRolloutAction } from "./action";

const body = z
  .object({ reason: actionText(500).optional().openapi({ example: "wrong bundle" }) })
  .optional()
  .openapi("RolloutCancel");

/** POST /api/v1/projects/{project}/rollouts/{rollout_id}/cancel */
export const registerCancelRollout = (app: App) =>
  registerRolloutAction(app, {
    action: "cancel",
    summary: "Cancel a rollout",
    description:
      "No further steps. Nodes that have not activated the bundle get their previous desired " +
      "bundle back; nodes never reached are skipped; nodes that activated keep it (use " +
      "rollback for those). 409 once the rollout is over or rolling back.",
    body: { schema: body, required: false },
    run: (stub, req) => stub.cancel(req),
  });
