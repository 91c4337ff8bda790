import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { shardFor } from "../../domain/node-shard";
import { PUSH_CLOSE, type PushCloseCode } from "../../domain/push-protocol";
import { NODE_SOCKET_GRANT_HEADER, type NodeSocketGrant } from "../../rpc/node-shard";
import { ApiError, badRequest, errorResponses } from "../errors";
import type { App, AppEnv } from "../hono";
import { authenticateNode, NodeRevokedError } from "../middleware/node-auth";
import { nodeErrors, nodeIdParam, nodeSecurity } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/nodes/{node_id}/socket",
  tags: ["Node API"],
  summary: "Push channel: a WebSocket that receives this node's offers as they happen",
  description:
    'Upgrade to a WebSocket on which the control plane pushes `{type: "offer", offer}` the ' +
    "moment the node gets a new desired bundle (a rollout batch opens, a rollback starts, an " +
    "operator assigns); `offer` is exactly the body `GET …/bundles/latest` would answer. The " +
    'first message is `{type: "hello", node_id, poll_interval_s}`: while the socket stays ' +
    "open the node may poll at that longer interval; polling remains the source of truth. Send " +
    "the text `ping` at will: the answer is `pong`.\n\n" +
    "Authentication as on every node route (`Authorization: Bearer <node JWT>` or " +
    "`X-Zentinel-Node-Key`), never in the URL. Failures upgrade and then close with a code: " +
    "4401 no, invalid or expired credential; 4403 a credential of another node (another " +
    "project's); 4410 node revoked; 4429 over the request budget. 4000 means a newer socket " +
    "of the same node replaced this one.",
  security: nodeSecurity,
  request: { params: nodeIdParam },
  responses: {
    101: { description: "Switching Protocols: the socket is open (or closes with a code)" },
    400: errorResponses[400],
    500: nodeErrors[500],
  },
});

/** The close code telling an agent why its socket was refused. */
export function closeCodeFor(err: ApiError): PushCloseCode {
  if (err instanceof NodeRevokedError) {
    return PUSH_CLOSE.revoked;
  }
  if (err.status === 403) {
    return PUSH_CLOSE.forbidden;
  }
  if (err.status === 429) {
    return PUSH_CLOSE.rateLimited;
  }
  return PUSH_CLOSE.unauthorized;
}

/** Upgrades, tells the node why in one error message, and closes with `code`. */
function refuse(c: Context<AppEnv>, err: ApiError): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const code = closeCodeFor(err);
  server.send(
    JSON.stringify({
      type: "error",
      error: { code: err.code, message: err.message, request_id: c.get("services").requestId },
    }),
  );
  // Close reasons are limited to 123 bytes; the message above carries the full text.
  server.close(code, err.message.slice(0, 120));
  return new Response(null, { status: 101, webSocket: client });
}

/** GET /api/v1/nodes/{node_id}/socket */
export const registerNodeSocket = (app: App) =>
  app.openapi(route, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw badRequest("Expected a WebSocket upgrade", [
        { path: "Upgrade", message: "must be 'websocket'" },
      ]);
    }
    let auth: Awaited<ReturnType<typeof authenticateNode>>;
    try {
      auth = await authenticateNode(c);
    } catch (err) {
      if (err instanceof ApiError) {
        c.get("services").logger.info("node socket refused", {
          node_id: c.req.valid("param").node_id,
          code: err.code,
        });
        return refuse(c, err);
      }
      throw err;
    }
    const { node } = auth;
    const { nodeShards, config } = c.get("services");
    const grant: NodeSocketGrant = {
      nodeId: node.id,
      projectId: node.projectId,
      origin: new URL(c.req.url).origin,
      credentialExpiresAt: auth.credentialExpiresAt,
    };
    // Credentials stay at the edge: the shard gets the grant, not the key or token.
    const headers = new Headers({ upgrade: "websocket" });
    headers.set(NODE_SOCKET_GRANT_HEADER, JSON.stringify(grant));
    const shard = nodeShards.get(
      nodeShards.idFromName(shardFor(node.projectId, node.id, config.NODE_SHARD_COUNT)),
    );
    const res = await shard.fetch(new Request(c.req.url, { headers }));
    if (res.status !== 101 || res.webSocket === null) {
      throw new Error(`node shard refused the socket: ${res.status} ${await res.text()}`);
    }
    return new Response(null, { status: 101, webSocket: res.webSocket });
  });
