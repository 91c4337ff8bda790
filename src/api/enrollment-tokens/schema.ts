import { z } from "@hono/zod-openapi";
import type { enrollmentTokens } from "../../db/schema";
import { iso, isoTime, projectParam, uuidParam } from "../schemas";

export type EnrollmentTokenRow = typeof enrollmentTokens.$inferSelect;

/** Whether a token can still enroll a node, derived from the row at read time. */
export const ENROLLMENT_TOKEN_STATES = ["active", "expired", "revoked", "used_up"] as const;

export const enrollmentTokenSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string().openapi({ example: "eu fleet bootstrap" }),
    prefix: z.string().openapi({
      description: "first characters of the token, to recognise it",
      example: "zet_Q2x8mP0a",
    }),
    max_uses: z.number().int().nullable().openapi({ example: 10, description: "null = unlimited" }),
    uses: z.number().int().openapi({ example: 3 }),
    expires_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
    created_at: isoTime,
    created_by: z.string().nullable().openapi({ example: "2b1d6f0e-5d3c-4a8e-b7f1-9c0e2d4a6b8c" }),
    status: z.enum(ENROLLMENT_TOKEN_STATES).openapi({ example: "active" }),
  })
  .openapi("EnrollmentToken");

export type EnrollmentTokenResponse = z.infer<typeof enrollmentTokenSchema>;

/** API shape of an enrollment token row (never the secret or its hash). */
export function toEnrollmentToken(row: EnrollmentTokenRow, now: number): EnrollmentTokenResponse {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    max_uses: row.maxUses,
    uses: row.uses,
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
    created_at: iso(row.createdAt),
    created_by: row.createdBy,
    status: tokenState(row, now),
  };
}

function tokenState(row: EnrollmentTokenRow, now: number): EnrollmentTokenResponse["status"] {
  if (row.revokedAt !== null) {
    return "revoked";
  }
  if (row.expiresAt !== null && row.expiresAt <= now) {
    return "expired";
  }
  if (row.maxUses !== null && row.uses >= row.maxUses) {
    return "used_up";
  }
  return "active";
}

/** Path parameters `{project}` and `{id}`. */
export const tokenParams = projectParam.extend({ id: uuidParam("id") });
