import type { Context } from "hono";
import { actorOf, type Principal, scopesIn } from "../../auth/principal";
import type { Scope } from "../../auth/scopes";
import type { LiveGrant } from "../../rpc/project-hub";
import type { ProjectRow } from "../../services";
import type { AppEnv } from "../hono";

/** The scope a principal needs in a project to open its live socket or get a ticket for it. */
export const LIVE_SCOPE: Scope = "projects:read";

/**
 * Scopes a live socket may carry: only what decides which changes it sees. Write scopes never
 * travel in a grant (the socket is read-only).
 */
const VISIBILITY_SCOPES: ReadonlySet<string> = new Set([
  "projects:read",
  "nodes:read",
  "bundles:read",
  "rollouts:read",
  "audit:read",
  "api_keys:admin",
]);

/** The live grant of `principal` in `project`: its visibility scopes there, and who it is. */
export function grantFor(principal: Principal, project: ProjectRow): LiveGrant {
  const scopes = [...scopesIn(principal, project.orgId, project.id)].filter((s) =>
    VISIBILITY_SCOPES.has(s),
  );
  const actor = actorOf(principal);
  return { scopes: scopes.sort(), actor: `${actor.type}:${actor.id}` };
}

/** The project's hub (the Durable Object that owns its audit chain and live sockets). */
export function hubOf(c: Context<AppEnv>, project: ProjectRow) {
  const { hubs } = c.get("services");
  // The chain of a project's audit entries is named by the project id (services/audit.ts).
  return hubs.get(hubs.idFromName(project.id));
}
