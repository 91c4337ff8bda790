import type { App } from "../hono";
import { registerRolloutAction } from "./action";

/** POST /api/v1/projects/{project}/rollouts/{rollout_id}/promote */
export const registerPromoteRollout = (app: App) =>
  registerRolloutAction(app, {
    action: "promote",
    summary: "Promote a step awaiting promotion (blue-green, manual canary)",
    description:
      "Moves past a blue-green green cohort or a canary cohort that passed its analysis. On a " +
      "canary still being analysed it overrides the analysis (audited with " +
      "`skipped_analysis: true`). 409 in any other phase.",
    run: (stub, req) => stub.promote(req),
  });
