import type { App } from "../hono";
import { registerLiveSocket } from "./socket";
import { registerLiveTicket } from "./ticket";

/** Dashboard live updates: the per-project WebSocket and its one-time tickets. */
export function registerLiveRoutes(app: App): void {
  registerLiveTicket(app);
  registerLiveSocket(app);
}
