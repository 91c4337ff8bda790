import { z } from "@hono/zod-openapi";
import type { Services } from "../../services";

/** A public signing key as nodes receive it at registration. */
export const signingKeyInfoSchema = z
  .object({
    kid: z.string().openapi({ example: "zk_3f9a1c0b7d2e4f68" }),
    alg: z.literal("Ed25519"),
    public_key: z.string().openapi({
      description: "base64url of the raw 32-byte Ed25519 public key",
      example: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    }),
  })
  .openapi("NodeSigningKey");

export type SigningKeyInfo = z.infer<typeof signingKeyInfoSchema>;

/**
 * The project's published keys (active first, then retired): bundles and node JWTs verify
 * against these, and retired keys stay listed so older bundles still verify.
 */
export async function publishedSigningKeys(
  services: Services,
  projectId: string,
): Promise<SigningKeyInfo[]> {
  const rows = await services.signingKeys.list(projectId);
  return rows.map((r) => ({ kid: r.id, alg: "Ed25519", public_key: r.publicKey }));
}
