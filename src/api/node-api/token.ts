import { createRoute, z } from "@hono/zod-openapi";
import { NODE_JWT_TTL_S, signNodeJwt } from "../../auth/node-jwt";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { iso, isoTime } from "../schemas";
import { nodeErrors, nodeIdParam } from "./schema";

const response = z
  .object({
    token: z
      .string()
      .openapi({ example: "eyJhbGciOiJFZERTQSIsImtpZCI6InprXzNmOWExYzBiN2QyZTRmNjgifQ.…" }),
    token_type: z.literal("Bearer"),
    expires_at: isoTime,
    expires_in: z.number().int().openapi({ example: NODE_JWT_TTL_S }),
  })
  .openapi("NodeToken");

const route = createRoute({
  method: "post",
  path: "/api/v1/nodes/{node_id}/token",
  tags: ["Node API"],
  summary: "Exchange the static node key for a 12-hour JWT",
  description:
    "EdDSA JWT signed with the project's active signing key: header `kid`; claims `iss` " +
    '("zentinel-control-plane"), `aud` ("zentinel-node"), `sub` (node id), `prj` (project ' +
    "id), `iat`, `exp` (12 h) and `nkh` (binds the token to the current node key, so " +
    "rotate-key invalidates it). Requires X-Zentinel-Node-Key: a JWT cannot mint JWTs, so a " +
    "stolen token dies with its own expiry.",
  security: [{ nodeKey: [] }],
  request: { params: nodeIdParam },
  responses: {
    200: { description: "A fresh token", content: { "application/json": { schema: response } } },
    ...nodeErrors,
  },
});

/** POST /api/v1/nodes/{node_id}/token */
export const registerNodeToken = (app: App) =>
  app.openapi(route, async (c) => {
    const { signingKeys, clock, d1, defer } = c.get("services");
    const node = currentNode(c);
    const key = await signingKeys.active(node.projectId);
    const now = clock.now();
    const { token, claims } = await signNodeJwt({
      kid: key.kid,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      nodeId: node.id,
      projectId: node.projectId,
      keyHash: node.keyHash,
      now,
    });
    // Bookkeeping only (shown to operators): after the response, never on the request path.
    defer(d1.prepare("UPDATE nodes SET token_issued_at = ? WHERE id = ?").bind(now, node.id).run());
    return c.json(
      {
        token,
        token_type: "Bearer" as const,
        expires_at: iso(claims.exp * 1000),
        expires_in: claims.exp - Math.floor(now / 1000),
      },
      200,
    );
  });
