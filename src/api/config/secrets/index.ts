import type { App } from "../../hono";
import { registerCreateSecret } from "./create";
import { registerDeleteSecret } from "./delete";
import { registerGetSecret } from "./get";
import { registerListSecrets } from "./list";
import { registerRotateSecret } from "./rotate";

/** Secret routes of the config model. */
export function registerSecretRoutes(app: App): void {
  registerListSecrets(app);
  registerCreateSecret(app);
  registerGetSecret(app);
  registerRotateSecret(app);
  registerDeleteSecret(app);
}
