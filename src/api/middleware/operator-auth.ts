import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { timingSafeEqual } from "../../auth/crypto";
import type { Principal } from "../../auth/principal";
import { SCOPES, type Scope } from "../../auth/scopes";
import { hashSecret } from "../../auth/tokens";
import { apiKeys } from "../../db/schema";
import type { Services } from "../../services";
import { ApiError, unauthorized } from "../errors";
import type { AppEnv } from "../hono";

/** last_used_at is written at most this often per key (no write on every request). */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * Resolves a session cookie to a principal. Installed by the sessions module; until a session
 * resolver is registered, only API keys authenticate.
 */
export type SessionResolver = (
  c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0],
) => Promise<Principal | null>;

let sessionResolver: SessionResolver | null = null;

/** Registers the cookie-session resolver (called once at app construction). */
export function setSessionResolver(resolver: SessionResolver): void {
  sessionResolver = resolver;
}

/**
 * Authenticates operators: `Authorization: Bearer <api key>` or the dashboard session cookie.
 * Sets `principal` when credentials are valid; rejects invalid credentials with 401. Requests
 * without credentials pass through unauthenticated: `requireScope` then answers 401, and
 * public routes (healthz, node routes) never look.
 */
export const operatorAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw unauthorized("Authorization header must be 'Bearer <api key>'");
    }
    c.set("principal", await authenticateApiKey(c.get("services"), match[1]));
  } else if (sessionResolver) {
    const principal = await sessionResolver(c);
    if (principal) {
      c.set("principal", principal);
    }
  }
  await next();
});

/** Looks up an API key by hash; 401 when unknown, revoked or expired. */
export async function authenticateApiKey(services: Services, key: string): Promise<Principal> {
  const hash = await hashSecret(key);
  const row = await services.db.query.apiKeys.findFirst({ where: eq(apiKeys.keyHash, hash) });
  // The index lookup already matched; the constant-time compare keeps the check itself
  // independent of where two hashes first differ.
  if (!row || !timingSafeEqual(row.keyHash, hash)) {
    throw unauthorized("Invalid API key");
  }
  const now = services.clock.now();
  if (row.revokedAt !== null) {
    throw unauthorized("API key has been revoked");
  }
  if (row.expiresAt !== null && row.expiresAt <= now) {
    throw unauthorized("API key has expired");
  }
  if (row.lastUsedAt === null || now - row.lastUsedAt > LAST_USED_WRITE_INTERVAL_MS) {
    services.defer(
      services.d1
        .prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?")
        .bind(now, row.id)
        .run(),
    );
  }
  const known = new Set<string>(SCOPES);
  return {
    kind: "api_key",
    keyId: row.id,
    name: row.name,
    orgId: row.orgId,
    projectId: row.projectId,
    scopes: new Set(row.scopes.filter((s): s is Scope => known.has(s))),
  };
}

/** The authenticated principal, or 401. */
export function requirePrincipal(principal: Principal | undefined): Principal {
  if (!principal) {
    throw new ApiError(
      "UNAUTHORIZED",
      "Authentication required: send 'Authorization: Bearer <api key>'",
    );
  }
  return principal;
}
