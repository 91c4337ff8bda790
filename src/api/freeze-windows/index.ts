import type { App } from "../hono";
import { registerCreateFreezeWindow } from "./create";
import { registerDeleteFreezeWindow } from "./delete";
import { registerListFreezeWindows } from "./list";

/** Freeze window routes (operator API). */
export function registerFreezeWindowRoutes(app: App): void {
  registerListFreezeWindows(app);
  registerCreateFreezeWindow(app);
  registerDeleteFreezeWindow(app);
}
