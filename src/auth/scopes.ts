import type { Role } from "../db/schema";

/** Every API-key scope. Users get scopes from their org role (ROLE_SCOPES). */
export const SCOPES = [
  "projects:read",
  "projects:write",
  "nodes:read",
  "nodes:write",
  "bundles:read",
  "bundles:write",
  "rollouts:read",
  "rollouts:write",
  "config:read",
  "config:write",
  "audit:read",
  "api_keys:admin",
] as const;
export type Scope = (typeof SCOPES)[number];

const READ_SCOPES: Scope[] = [
  "projects:read",
  "nodes:read",
  "bundles:read",
  "rollouts:read",
  "config:read",
  "audit:read",
];

/** What each role may do; admin includes managing keys and projects. */
export const ROLE_SCOPES: Record<Role, ReadonlySet<Scope>> = {
  reader: new Set(READ_SCOPES),
  operator: new Set([
    ...READ_SCOPES,
    "nodes:write",
    "bundles:write",
    "rollouts:write",
    "config:write",
  ]),
  admin: new Set(SCOPES),
};

/** True when `granted` includes every scope in `wanted` (the no-escalation rule for new keys). */
export function isSubset(wanted: Iterable<Scope>, granted: ReadonlySet<Scope>): boolean {
  for (const s of wanted) {
    if (!granted.has(s)) {
      return false;
    }
  }
  return true;
}
