import type { App } from "../hono";
import { registerListSigningKeys } from "./list";
import { registerRotateSigningKey } from "./rotate";

/** Signing-key routes (operator API). */
export function registerSigningKeyRoutes(app: App): void {
  registerListSigningKeys(app);
  registerRotateSigningKey(app);
}
