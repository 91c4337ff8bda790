import { z } from "@hono/zod-openapi";
import { SCOPES } from "../../auth/scopes";
import type { apiKeys } from "../../db/schema";
import { iso, isoTime } from "../schemas";

/** One API-key scope; unknown names are a 400. */
export const scopeSchema = z.enum(SCOPES).openapi({ example: "bundles:read" });

/** An API key as listed (never the key or its hash). */
export const apiKeySchema = z
  .object({
    id: z.string().uuid(),
    name: z.string().openapi({ example: "ci deploy" }),
    prefix: z.string().openapi({ example: "zcp_Xk3mP9aQ" }),
    scopes: z.array(z.string()).openapi({ example: ["bundles:write", "rollouts:write"] }),
    org_id: z.string().uuid(),
    project: z.string().nullable().openapi({ description: "Slug of the one project it works for" }),
    created_by: z.object({ type: z.enum(["user", "api_key"]), id: z.string() }).nullable(),
    created_at: isoTime,
    expires_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
    last_used_at: isoTime.nullable().openapi({ description: "Updated at most once a minute" }),
  })
  .openapi("ApiKey");

/** An api_keys row with its project's slug (never the hash). */
export type ApiKeyView = typeof apiKeys.$inferSelect & { projectSlug: string | null };

/** API shape of a key. */
export function toApiKey(k: ApiKeyView): z.infer<typeof apiKeySchema> {
  const createdBy =
    k.createdByUserId !== null
      ? { type: "user" as const, id: k.createdByUserId }
      : k.createdByKeyId !== null
        ? { type: "api_key" as const, id: k.createdByKeyId }
        : null;
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    org_id: k.orgId,
    project: k.projectSlug,
    created_by: createdBy,
    created_at: iso(k.createdAt),
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
    last_used_at: iso(k.lastUsedAt),
  };
}
