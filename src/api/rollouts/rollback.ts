import { z } from "@hono/zod-openapi";
import type { App } from "../hono";
import { actionText, registerRolloutAction } from "./action";

const body = z
  .object({ reason: actionText(500).optional().openapi({ example: "p99 latency regression" }) })
  .optional()
  .openapi("RolloutRollback");

/** POST /api/v1/projects/{project}/rollouts/{rollout_id}/rollback */
export const registerRollbackRollout = (app: App) =>
  registerRolloutAction(app, {
    action: "rollback",
    summary: "Roll every touched node back to its previous bundle",
    description:
      "Each node the rollout assigned is offered the bundle it ran before, with " +
      "`rollback: true` (only where it still desires this rollout's bundle); a node that had " +
      "none is unassigned. The rollout is `rolled_back` once every node confirmed. Also " +
      "allowed after completion or failure. 409 while awaiting approval or scheduled.",
    body: { schema: body, required: false },
    run: (stub, req) => stub.rollback(req),
  });
