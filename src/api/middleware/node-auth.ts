import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { timingSafeEqual } from "../../auth/crypto";
import { NodeJwtError, peekNodeJwt, verifyNodeJwt } from "../../auth/node-jwt";
import { hashSecret } from "../../auth/tokens";
import { nodes, signingKeys } from "../../db/schema";
import type { NodeRow, Services } from "../../services";
import { ApiError, forbidden, unauthorized } from "../errors";
import type { AppEnv } from "../hono";
import { rateLimitNode } from "./rate-limit";

/** The static node key header. */
export const NODE_KEY_HEADER = "x-zentinel-node-key";

/** 401 text of the original protocol when neither credential is present. */
export const MISSING_NODE_AUTH_MESSAGE =
  "Missing authentication. Provide Authorization: Bearer <token> or X-Zentinel-Node-Key header.";

/** `/api/v1/nodes/{node_id}/…`: the node id is the fourth path segment. */
const NODE_PATH = /^\/api\/v1\/nodes\/([^/]+)(?:\/|$)/;

/**
 * Routes that only the static key may call. A JWT is a short-lived credential derived from the
 * key; letting it mint successors (or a new key) would turn one stolen token into permanent
 * access and survive a key rotation. Agents keep the key anyway, so this costs them nothing.
 */
const KEY_ONLY_PATH = /^\/api\/v1\/nodes\/[^/]+\/(?:token|rotate-key)$/;

/**
 * Authenticates nodes on `/api/v1/nodes/*`: `Authorization: Bearer <node JWT>` (checked first, no
 * fallback, as in the original protocol) or `X-Zentinel-Node-Key`. Unknown, invalid, expired or
 * revoked credentials are 401; a valid credential for another node than the path's `{node_id}`
 * is 403; a node over its request budget is 429. Sets `node` to the authenticated row.
 *
 * Cost: one indexed D1 read (the unique key-hash index, or the node primary key joined with its
 * signing key for a JWT) and no writes, so polls that find nothing new stay at one read.
 */
export const nodeAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (SELF_AUTHENTICATING_PATH.test(c.req.path)) {
    // The push socket answers authentication failures with close codes, not HTTP errors.
    await next();
    return;
  }
  const { node } = await authenticateNode(c);
  c.set("node", node);
  await next();
});

/**
 * Routes that call {@link authenticateNode} themselves: the push socket must upgrade before it
 * can tell the agent why it is refused (a WebSocket client sees no HTTP status).
 */
const SELF_AUTHENTICATING_PATH = /^\/api\/v1\/nodes\/[^/]+\/socket$/;

/** Raised for a revoked node's credential: a 401 like any bad credential, but recognisable. */
export class NodeRevokedError extends ApiError {
  constructor() {
    super("UNAUTHORIZED", "Node has been revoked");
  }
}

/** An authenticated node and when its credential expires (JWT `exp`; null for the node key). */
export interface NodeAuthentication {
  node: NodeRow;
  credentialExpiresAt: number | null;
}

/**
 * The checks of {@link nodeAuth} (credential, path node id, request budget); throws the
 * ApiError the middleware would answer with.
 */
export async function authenticateNode(c: Context<AppEnv>): Promise<NodeAuthentication> {
  const services = c.get("services");
  const bearer = bearerToken(c.req.header("authorization"));
  const key = c.req.header(NODE_KEY_HEADER);
  let auth: NodeAuthentication;
  if (KEY_ONLY_PATH.test(c.req.path)) {
    if (key === undefined) {
      throw unauthorized(
        bearer === null
          ? MISSING_NODE_AUTH_MESSAGE
          : "This route requires the static node key (X-Zentinel-Node-Key); a JWT cannot mint credentials",
      );
    }
    auth = { node: await authenticateNodeKey(services, key), credentialExpiresAt: null };
  } else if (bearer !== null) {
    auth = await authenticateNodeJwt(services, bearer);
  } else if (key !== undefined) {
    auth = { node: await authenticateNodeKey(services, key), credentialExpiresAt: null };
  } else {
    throw unauthorized(MISSING_NODE_AUTH_MESSAGE);
  }
  const pathNodeId = NODE_PATH.exec(c.req.path)?.[1];
  if (pathNodeId !== undefined && pathNodeId !== auth.node.id) {
    throw forbidden("The node id in the path is not the authenticated node");
  }
  // Per-node budget (bucket `node:<id>`): a node polling every ~30 s never comes near it, and
  // at that rate the check is answered by the isolate-local token bucket (no RPC, never D1).
  await rateLimitNode(c, auth.node.id);
  return auth;
}

/** The node authenticated by {@link nodeAuth}; only valid on node routes. */
export function currentNode(c: Context<AppEnv>): NodeRow {
  const node = c.get("node");
  if (!node) {
    throw new Error("currentNode() used on a route without node authentication");
  }
  return node;
}

/**
 * `Bearer <token>` exactly as the original protocol matched it (case-sensitive scheme, one
 * space); null when the header is absent or uses another scheme.
 */
function bearerToken(header: string | undefined): string | null {
  if (header === undefined || !header.startsWith("Bearer ")) {
    return null;
  }
  return header.slice("Bearer ".length).trim();
}

/** Static key: SHA-256 → unique-index lookup → constant-time compare → not revoked. */
async function authenticateNodeKey(services: Services, key: string): Promise<NodeRow> {
  if (key === "") {
    throw unauthorized("Invalid node key");
  }
  const hash = await hashSecret(key);
  const [row] = await services.db.select().from(nodes).where(eq(nodes.keyHash, hash)).limit(1);
  if (!row || !timingSafeEqual(row.keyHash, hash)) {
    throw unauthorized("Invalid node key");
  }
  return requireNotRevoked(row);
}

/**
 * JWT: the node (by `sub`) and the signing key (by `kid`, restricted to THE NODE'S project) come
 * back in one query; then signature, claims and the key binding are verified.
 */
async function authenticateNodeJwt(services: Services, token: string): Promise<NodeAuthentication> {
  let peeked: { kid: string; sub: string };
  try {
    peeked = peekNodeJwt(token);
  } catch (err) {
    throw asUnauthorized(err);
  }
  const [row] = await services.db
    .select({ node: nodes, publicKey: signingKeys.publicKey })
    .from(nodes)
    .leftJoin(
      signingKeys,
      and(eq(signingKeys.id, peeked.kid), eq(signingKeys.projectId, nodes.projectId)),
    )
    .where(eq(nodes.id, peeked.sub))
    .limit(1);
  if (!row) {
    throw unauthorized("Node not found");
  }
  if (row.publicKey === null) {
    throw unauthorized("Unknown signing key");
  }
  let expiresAtS: number;
  try {
    const claims = await verifyNodeJwt(token, {
      publicKey: row.publicKey,
      nodeId: row.node.id,
      projectId: row.node.projectId,
      keyHash: row.node.keyHash,
      now: services.clock.now(),
    });
    expiresAtS = claims.exp;
  } catch (err) {
    throw asUnauthorized(err);
  }
  return { node: requireNotRevoked(row.node), credentialExpiresAt: expiresAtS * 1000 };
}

function requireNotRevoked(node: NodeRow): NodeRow {
  if (node.revokedAt !== null) {
    throw new NodeRevokedError();
  }
  return node;
}

function asUnauthorized(err: unknown): ApiError {
  if (err instanceof NodeJwtError) {
    return unauthorized(err.message);
  }
  throw err;
}
