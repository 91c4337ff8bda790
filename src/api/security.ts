import type { Scope } from "../auth/scopes";

/** One OpenAPI security requirement: scheme name → scopes (or, for bearer keys, roles). */
export type SecurityRequirement = Record<string, string[]>;

/**
 * Security of an operator route: an API key (`bearerAuth`) or the dashboard session cookie.
 * The API-key scope the route needs is listed in the requirement (OpenAPI 3.1 allows role names
 * for non-OAuth schemes), so the document states it and the security matrix test can check it.
 * No scope = any authenticated operator (the route shows the caller its own data).
 */
export function operatorSecurity(scope?: Scope): SecurityRequirement[] {
  return [{ bearerAuth: scope ? [scope] : [] }, { sessionCookie: [] }];
}

/** Security of routes only a signed-in user (cookie session) can call. */
export const sessionOnly: SecurityRequirement[] = [{ sessionCookie: [] }];
