import type { Role } from "./types";

/** The API's scopes (src/auth/scopes.ts). */
export type Scope =
  | "projects:read"
  | "projects:write"
  | "nodes:read"
  | "nodes:write"
  | "bundles:read"
  | "bundles:write"
  | "rollouts:read"
  | "rollouts:write"
  | "config:read"
  | "config:write"
  | "audit:read"
  | "api_keys:admin";

const READ: Scope[] = [
  "projects:read",
  "nodes:read",
  "bundles:read",
  "rollouts:read",
  "config:read",
  "audit:read",
];

/**
 * What each org role may do, mirroring ROLE_SCOPES in src/auth/scopes.ts. The dashboard only
 * uses this to hide controls; the API enforces the same table.
 */
export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  reader: READ,
  operator: [...READ, "nodes:write", "bundles:write", "rollouts:write", "config:write"],
  admin: [
    ...READ,
    "nodes:write",
    "bundles:write",
    "rollouts:write",
    "config:write",
    "projects:write",
    "api_keys:admin",
  ],
};

/** A permission check for the current project. */
export type Can = (scope: Scope) => boolean;

/** Checks against a known scope list. */
export function canFrom(scopes: readonly string[]): Can {
  const set = new Set(scopes);
  return (scope) => set.has(scope);
}
