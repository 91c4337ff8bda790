import type { App } from "../hono";
import { registerApproveRollout } from "./approve";
import { registerCancelRollout } from "./cancel";
import { registerCreateRollout } from "./create";
import { registerGetRollout } from "./get";
import { registerListRollouts } from "./list";
import { registerListRolloutNodes } from "./nodes";
import { registerPauseRollout } from "./pause";
import { registerPromoteRollout } from "./promote";
import { registerRejectRollout } from "./reject";
import { registerResumeRollout } from "./resume";
import { registerRollbackRollout } from "./rollback";
import { registerRolloutTelemetry } from "./telemetry";

/** Rollout routes (operator API). */
export function registerRolloutRoutes(app: App): void {
  registerListRollouts(app);
  registerCreateRollout(app);
  registerGetRollout(app);
  registerListRolloutNodes(app);
  registerRolloutTelemetry(app);
  registerPauseRollout(app);
  registerResumeRollout(app);
  registerCancelRollout(app);
  registerRollbackRollout(app);
  registerApproveRollout(app);
  registerRejectRollout(app);
  registerPromoteRollout(app);
}
