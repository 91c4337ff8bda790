import type { App } from "../hono";
import { registerCreateEnvironment } from "./create";
import { registerDeleteEnvironment } from "./delete";
import { registerGetEnvironment } from "./get";
import { registerListEnvironments } from "./list";
import { registerPromoteBundle } from "./promote";
import { registerUpdateEnvironment } from "./update";

/** Promotion environments and promoting a bundle into one. */
export function registerEnvironmentRoutes(app: App): void {
  registerCreateEnvironment(app);
  registerListEnvironments(app);
  registerGetEnvironment(app);
  registerUpdateEnvironment(app);
  registerDeleteEnvironment(app);
  registerPromoteBundle(app);
}
