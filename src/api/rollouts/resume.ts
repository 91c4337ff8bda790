import type { App } from "../hono";
import { registerRolloutAction } from "./action";

/** POST /api/v1/projects/{project}/rollouts/{rollout_id}/resume */
export const registerResumeRollout = (app: App) =>
  registerRolloutAction(app, {
    action: "resume",
    summary: "Resume a paused rollout",
    description:
      "The current step's deadline, bake and analysis clocks are shifted by the pause, so a " +
      "pause never consumes them. 409 unless paused (resuming a running rollout is a no-op).",
    run: (stub, req) => stub.resume(req),
  });
