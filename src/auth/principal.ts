import type { ActorType, Role } from "../db/schema";
import { ROLE_SCOPES, type Scope } from "./scopes";

/** An authenticated operator: an API key or a signed-in user. */
export type Principal =
  | {
      kind: "api_key";
      keyId: string;
      name: string;
      orgId: string;
      /** When set, the key works only for this project. */
      projectId: string | null;
      scopes: ReadonlySet<Scope>;
    }
  | {
      kind: "user";
      userId: string;
      email: string;
      sessionId: string;
      csrfToken: string;
      /** Org id → role for every org the user belongs to. */
      roles: ReadonlyMap<string, Role>;
    };

/** Who did something, as recorded in the audit log. */
export interface Actor {
  type: ActorType;
  id: string;
  /** Human-readable label (key name, email). */
  label?: string;
}

/** The audit actor for a principal. */
export function actorOf(p: Principal): Actor {
  return p.kind === "api_key"
    ? { type: "api_key", id: p.keyId, label: p.name }
    : { type: "user", id: p.userId, label: p.email };
}

/** The scopes a principal holds inside one org (and project, for project-limited keys). */
export function scopesIn(
  p: Principal,
  orgId: string,
  projectId: string | null,
): ReadonlySet<Scope> {
  if (p.kind === "api_key") {
    if (p.orgId !== orgId) {
      return new Set();
    }
    if (p.projectId !== null && p.projectId !== projectId) {
      return new Set();
    }
    return p.scopes;
  }
  const role = p.roles.get(orgId);
  return role ? ROLE_SCOPES[role] : new Set();
}

/** Whether the principal can see the org/project at all (otherwise: 404, never 403). */
export function canSee(p: Principal, orgId: string, projectId: string | null): boolean {
  if (p.kind === "api_key") {
    return p.orgId === orgId && (p.projectId === null || p.projectId === projectId);
  }
  return p.roles.has(orgId);
}
