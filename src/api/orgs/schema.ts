import { z } from "@hono/zod-openapi";
import { ROLES, type Role } from "../../db/schema";
import type { OrgRow } from "../middleware/require-org-scope";
import { iso, isoTime } from "../schemas";

/** Path parameter `{org}` (an org slug). */
export const orgParam = z.object({
  org: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "org", in: "path" }, example: "default" }),
});

/** An org role. */
export const roleSchema = z.enum(ROLES).openapi({ example: "operator" });

/** An org as the caller sees it. */
export const orgSchema = z
  .object({
    id: z.string().uuid(),
    slug: z.string().openapi({ example: "default" }),
    name: z.string().openapi({ example: "Default" }),
    role: roleSchema.nullable().openapi({ description: "Your role (null for an API key)" }),
    created_at: isoTime,
  })
  .openapi("Org");

/** API shape of an org seen by a principal with `role`. */
export function toOrg(o: OrgRow, role: Role | null): z.infer<typeof orgSchema> {
  return { id: o.id, slug: o.slug, name: o.name, role, created_at: iso(o.createdAt) };
}

/** A member of an org: the user and their role there. */
export const memberSchema = z
  .object({
    user_id: z.string().uuid(),
    email: z.string().openapi({ example: "ops@example.com" }),
    name: z.string().openapi({ example: "Ops" }),
    role: roleSchema,
    totp_enabled: z.boolean(),
    joined_at: isoTime,
  })
  .openapi("Member");

/** A membership joined with its user. */
export interface MemberRow {
  userId: string;
  email: string;
  name: string;
  role: Role;
  totpEnabledAt: number | null;
  createdAt: number;
}

/** API shape of a member. */
export function toMember(m: MemberRow): z.infer<typeof memberSchema> {
  return {
    user_id: m.userId,
    email: m.email,
    name: m.name,
    role: m.role,
    totp_enabled: m.totpEnabledAt !== null,
    joined_at: iso(m.createdAt),
  };
}

/** Emails are stored lower-cased (users.email is unique on that form). */
export const emailSchema = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase())
  .openapi({ example: "ops@example.com" });

/** Password policy for accounts created here: 12–1024 characters. */
export const passwordSchema = z
  .string()
  .min(12, "must be at least 12 characters")
  .max(1024)
  .openapi({ example: "a long random passphrase" });

/** A person's display name. */
export const personNameSchema = z.string().trim().min(1).max(100).openapi({ example: "Ops" });
