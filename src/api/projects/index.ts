import type { App } from "../hono";
import { registerCreateProject } from "./create";
import { registerGetProject } from "./get";
import { registerListProjects } from "./list";

/** Project routes. */
export function registerProjectRoutes(app: App): void {
  registerListProjects(app);
  registerCreateProject(app);
  registerGetProject(app);
}
