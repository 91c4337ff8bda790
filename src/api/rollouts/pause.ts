import type { App } from "../hono";
import { registerRolloutAction } from "./action";

/** POST /api/v1/projects/{project}/rollouts/{rollout_id}/pause */
export const registerPauseRollout = (app: App) =>
  registerRolloutAction(app, {
    action: "pause",
    summary: "Pause a running rollout",
    description:
      "No new step starts and nothing times out while paused; the bundle's revocation is still " +
      "watched. 409 unless running (pausing a paused rollout is a no-op).",
    run: (stub, req) => stub.pause(req),
  });
