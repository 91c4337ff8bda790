import type { App } from "../hono";
import { registerCreateSlo } from "./create";
import { registerDeleteSlo } from "./delete";
import { registerGetSlo } from "./get";
import { registerListSlos } from "./list";
import { registerUpdateSlo } from "./update";

/** SLO routes (operator API). */
export function registerSloRoutes(app: App): void {
  registerListSlos(app);
  registerCreateSlo(app);
  registerGetSlo(app);
  registerUpdateSlo(app);
  registerDeleteSlo(app);
}
