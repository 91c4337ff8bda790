import { z } from "@hono/zod-openapi";
import type { SigningKeyRow } from "../../services/signing-keys";
import { iso, isoTime } from "../schemas";

/** A published bundle-signing key (the private half never leaves the control plane). */
export const signingKeySchema = z
  .object({
    kid: z.string().openapi({ example: "zk_3q2b7x9d" }),
    alg: z.literal("Ed25519"),
    public_key: z.string().openapi({
      description: "base64url of the raw 32-byte Ed25519 public key",
      example: "2yq6dQq1n3lH3VvO4kYk5s0m3b3m6b0o8VtJ3N3uD9I",
    }),
    status: z.enum(["active", "retired"]),
    created_at: isoTime,
    retired_at: isoTime.nullable(),
  })
  .openapi("SigningKey");

/** A signing key as the API shows it. */
export type SigningKeyResponse = z.infer<typeof signingKeySchema>;

/** API shape of a signing-key row. */
export function toSigningKey(row: SigningKeyRow): SigningKeyResponse {
  return {
    kid: row.id,
    alg: "Ed25519",
    public_key: row.publicKey,
    status: row.status,
    created_at: iso(row.createdAt),
    retired_at: iso(row.retiredAt),
  };
}
