import type { Context } from "hono";
import type { ProjectRow } from "../services";
import type { AppEnv } from "./hono";

/**
 * The project resolved by `requireScope` for this request. Only valid on routes with a
 * `{project}` parameter and a requireScope middleware; anything else is a programming error.
 */
export function currentProject(c: Context<AppEnv>): ProjectRow {
  const project = c.get("project");
  if (!project) {
    throw new Error("currentProject() used on a route without requireScope and {project}");
  }
  return project;
}
