import { z } from "@hono/zod-openapi";
import { ROLES } from "../../db/schema";
import type { MembershipView, UserRow } from "../../services/sessions";
import { iso, isoTime } from "../schemas";

/** A user as the API shows it (to themselves and to org admins). */
export const userSchema = z
  .object({
    id: z.string().uuid(),
    email: z.string().openapi({ example: "ops@example.com" }),
    name: z.string().openapi({ example: "Ops" }),
    totp_enabled: z.boolean(),
    created_at: isoTime,
    last_login_at: isoTime.nullable(),
  })
  .openapi("User");

/** API shape of a user row (never the password hash, TOTP secret or recovery codes). */
export function toUser(u: UserRow): z.infer<typeof userSchema> {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    totp_enabled: u.totpEnabledAt !== null,
    created_at: iso(u.createdAt),
    last_login_at: iso(u.lastLoginAt),
  };
}

/** One org membership of the signed-in user. */
export const membershipSchema = z
  .object({
    org_id: z.string().uuid(),
    org_slug: z.string().openapi({ example: "default" }),
    org_name: z.string().openapi({ example: "Default" }),
    role: z.enum(ROLES),
  })
  .openapi("Membership");

/** API shape of a membership. */
export function toMembership(m: MembershipView): z.infer<typeof membershipSchema> {
  return { org_id: m.orgId, org_slug: m.orgSlug, org_name: m.orgName, role: m.role };
}

/** Answer of POST /auth/login and POST /auth/totp. */
export const sessionResponseSchema = z
  .object({
    totp_required: z.boolean().openapi({
      description: "True when the account has TOTP: finish with POST /api/v1/auth/totp",
    }),
    csrf_token: z.string().openapi({
      description: "Send as X-CSRF-Token on every cookie-authenticated POST/PUT/PATCH/DELETE",
    }),
    expires_at: isoTime,
    user: userSchema.optional().openapi({ description: "Omitted until the sign-in is complete" }),
  })
  .openapi("SessionStarted");

/** A 6-digit TOTP code, or (at the sign-in step) a recovery code. */
export const codeSchema = z.string().trim().min(6).max(32).openapi({ example: "123456" });
