import { z } from "@hono/zod-openapi";
import type { App } from "../hono";
import { actionText, registerRolloutAction } from "./action";

const body = z
  .object({ comment: actionText(2000).openapi({ example: "touches the payment routes" }) })
  .openapi("RolloutReject");

/** POST /api/v1/projects/{project}/rollouts/{rollout_id}/reject */
export const registerRejectRollout = (app: App) =>
  registerRolloutAction(app, {
    action: "reject",
    summary: "Reject a rollout awaiting approval (comment required)",
    description:
      "The rollout is cancelled with the comment. 400 without a comment; 409 unless awaiting " +
      "approval.",
    body: { schema: body, required: true },
    run: (stub, req) => stub.reject(req),
  });
