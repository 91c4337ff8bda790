import { z } from "@hono/zod-openapi";
import type { App } from "../hono";
import { actionText, registerRolloutAction } from "./action";

const body = z
  .object({ comment: actionText(2000).optional().openapi({ example: "diff reviewed" }) })
  .optional()
  .openapi("RolloutApprove");

/** POST /api/v1/projects/{project}/rollouts/{rollout_id}/approve */
export const registerApproveRollout = (app: App) =>
  registerRolloutAction(app, {
    action: "approve",
    summary: "Approve a rollout awaiting approval",
    description:
      "One approval per user or API key; the creator cannot approve (403). The last required " +
      "approval starts the rollout (or schedules it); during an active freeze window that " +
      "approval is refused (409 naming the window). Approving twice is a no-op.",
    body: { schema: body, required: false },
    run: (stub, req) => stub.approve(req),
  });
