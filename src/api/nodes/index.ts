import type { App } from "../hono";
import { registerAssignBundle } from "./assign";
import { registerDeleteNode } from "./delete";
import { registerListNodeEvents } from "./events";
import { registerGetNode } from "./get";
import { registerListNodeHeartbeats } from "./heartbeats";
import { registerListNodes } from "./list";
import { registerUpdateNode } from "./update";

/** Operator node routes (fleet inventory, labels, revocation, direct assignment). */
export function registerNodeRoutes(app: App): void {
  registerListNodes(app);
  registerGetNode(app);
  registerListNodeHeartbeats(app);
  registerListNodeEvents(app);
  registerUpdateNode(app);
  registerDeleteNode(app);
  registerAssignBundle(app);
}
