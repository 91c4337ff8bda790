import type { App } from "../hono";
import { registerCreateApiKey } from "./create";
import { registerListApiKeys } from "./list";
import { registerRevokeApiKey } from "./revoke";

/** Operator API keys. */
export function registerApiKeyRoutes(app: App): void {
  registerListApiKeys(app);
  registerCreateApiKey(app);
  registerRevokeApiKey(app);
}
