import { z } from "@hono/zod-openapi";
import type { configSecrets } from "../../../db/schema";
import { iso, isoTime } from "../../schemas";
import { nameField } from "../schema";

/** A config_secrets row. */
export type SecretRow = typeof configSecrets.$inferSelect;

const value = z.string().min(1).max(65_536).openapi({
  description: "The secret value. Sealed at rest; no route ever returns it.",
  example: "s3cr3t-value",
});
const description = z.string().trim().max(500).nullable().optional();

/** POST body. */
export const createSecretBody = z
  .object({ name: nameField.openapi({ example: "signing-key" }), value, description })
  .openapi("SecretCreate");

/** PUT body (rotation). */
export const rotateSecretBody = z.object({ value, description }).openapi("SecretRotate");

/** A secret as the API shows it: metadata only. */
export const secretSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.number().int().openapi({ description: "Goes up on every rotation" }),
    created_by: z.string().nullable(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("Secret");

/** API (and audit) shape of a row: never the value. */
export function toSecret(row: SecretRow): z.infer<typeof secretSchema> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    version: row.version,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}
