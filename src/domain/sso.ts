/**
 * Pure rules of single sign-on: which org role an identity's groups grant, which email domains a
 * provider accepts, and where the browser may be sent after signing in. No I/O.
 */
import { ROLES, type Role } from "../db/schema/tenancy";

/** One IdP group granting a role (mirrors `SsoRoleMapping` in the schema). */
export interface RoleMapping {
  group: string;
  role: Role;
}

/**
 * The role an identity gets in the org: the most powerful role among its mapped groups, else
 * `defaultRole`. Null means no access (an unmapped user is never let in by accident). Group
 * names compare exactly (IdPs treat them as opaque, case-sensitive strings).
 */
export function resolveSsoRole(
  groups: readonly string[],
  mappings: readonly RoleMapping[],
  defaultRole: Role | null,
): Role | null {
  const held = new Set(groups);
  let best: Role | null = null;
  for (const m of mappings) {
    if (held.has(m.group) && (best === null || ROLES.indexOf(m.role) > ROLES.indexOf(best))) {
      best = m.role;
    }
  }
  return best ?? defaultRole;
}

/** The lower-cased domain of an email address, or null when it has none. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) {
    return null;
  }
  return email.slice(at + 1).toLowerCase();
}

/** Whether a provider restricted to `domains` (empty = any) may sign in `email`. */
export function emailDomainAllowed(email: string, domains: readonly string[]): boolean {
  const domain = emailDomain(email);
  return domain !== null && (domains.length === 0 || domains.includes(domain));
}

/**
 * Group names from a token claim: a string array, a single string, or a space/comma separated
 * string (some IdPs flatten lists). Anything else (numbers, objects, absent) contributes nothing.
 */
export function groupsFromClaim(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.filter((g): g is string => typeof g === "string" && g.length > 0);
  }
  if (typeof value === "string") {
    return value.split(/[\s,]+/).filter((g) => g.length > 0);
  }
  return [];
}

/** Longest dashboard path kept as a post-login destination. */
export const RETURN_TO_MAX_CHARS = 512;

/**
 * The post-login destination if `raw` is a same-origin absolute path, else `/`. Refuses
 * scheme-relative (`//evil`), backslash tricks (`/\evil`, which browsers treat as `//`), control
 * characters and anything not starting with a single `/`: an open redirect after sign-in would
 * let a phishing link land a freshly signed-in user on another site.
 */
export function safeReturnTo(raw: string | undefined | null): string {
  if (
    !raw ||
    raw.length > RETURN_TO_MAX_CHARS ||
    !raw.startsWith("/") ||
    raw.startsWith("//") ||
    raw.includes("\\") ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
    /[\u0000-\u001f\u007f]/.test(raw)
  ) {
    return "/";
  }
  return raw;
}
