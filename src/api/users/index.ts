import type { App } from "../hono";
import { registerCreateUser } from "./create";

/** User accounts (created by org admins). */
export function registerUserRoutes(app: App): void {
  registerCreateUser(app);
}
