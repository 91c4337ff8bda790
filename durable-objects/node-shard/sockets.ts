/**
 * The push sockets of one NodeShardDO, held with the WebSocket Hibernation API: the shard may be
 * evicted while sockets stay open (an idle fleet costs no Durable Object duration), and each
 * socket carries its node in a tag and its grant in the attachment, which survive hibernation.
 *
 * Invariants:
 * - Only the Worker reaches a Durable Object, so the grant header is trusted: the socket route
 *   authenticated the node before forwarding the upgrade.
 * - At most one socket per node: a newer one closes the older (`replaced`), so a push is sent
 *   once and a reconnecting agent never keeps a half-dead socket alive.
 */

import { PUSH_CLOSE, PUSH_PING, PUSH_PONG } from "../../src/domain/push-protocol";
import { NODE_SOCKET_GRANT_HEADER, type NodeSocketGrant } from "../../src/rpc/node-shard";

/** Tag prefix of a node's socket (`getWebSockets(tag)` finds it after hibernation). */
const NODE_TAG_PREFIX = "node:";

/** What each socket remembers across hibernation. */
export interface SocketAttachment extends NodeSocketGrant {
  connectedAt: number;
}

/** The tag of `nodeId`'s socket. */
export function nodeTag(nodeId: string): string {
  return `${NODE_TAG_PREFIX}${nodeId}`;
}

/** Parses the Worker's grant header; null when missing or malformed. */
export function parseGrant(header: string | null): NodeSocketGrant | null {
  if (header === null) {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(header);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) {
    return null;
  }
  const v = value as Record<string, unknown>;
  const expires = v.credentialExpiresAt;
  if (
    typeof v.nodeId !== "string" ||
    typeof v.projectId !== "string" ||
    typeof v.origin !== "string" ||
    !(expires === null || typeof expires === "number")
  ) {
    return null;
  }
  return {
    nodeId: v.nodeId,
    projectId: v.projectId,
    origin: v.origin,
    credentialExpiresAt: expires,
  };
}

/** The attachment of `ws`, or null for a socket without one (never accepted by this code). */
export function attachmentOf(ws: WebSocket): SocketAttachment | null {
  const value = ws.deserializeAttachment() as SocketAttachment | null;
  return value && typeof value.nodeId === "string" ? value : null;
}

/** Sends `text`; false when the socket is already closing (the runtime drops it). */
export function trySend(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false;
  }
}

/** Closes `ws` with `code`, ignoring a socket that is already closed. */
export function tryClose(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed or closing.
  }
}

/**
 * Accepts an upgrade the Worker authorised: tags the socket with its node, closes the node's
 * older sockets, and answers `ping` without waking the object.
 */
export function acceptNodeSocket(
  ctx: DurableObjectState,
  request: Request,
  now: number,
): { response: Response; socket: WebSocket | null; grant: NodeSocketGrant | null } {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return {
      response: new Response("expected a WebSocket upgrade", { status: 426 }),
      socket: null,
      grant: null,
    };
  }
  const grant = parseGrant(request.headers.get(NODE_SOCKET_GRANT_HEADER));
  if (grant === null) {
    return {
      response: new Response("missing node socket grant", { status: 403 }),
      socket: null,
      grant: null,
    };
  }
  const tag = nodeTag(grant.nodeId);
  for (const older of ctx.getWebSockets(tag)) {
    tryClose(older, PUSH_CLOSE.replaced, "replaced by a newer connection");
  }
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server, [tag]);
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PUSH_PING, PUSH_PONG));
  const attachment: SocketAttachment = { ...grant, connectedAt: now };
  server.serializeAttachment(attachment);
  return {
    response: new Response(null, { status: 101, webSocket: client }),
    socket: server,
    grant,
  };
}

/** The open sockets of `nodeId` (normally one; two during a replacement). */
export function socketsOf(ctx: DurableObjectState, nodeId: string): WebSocket[] {
  return ctx.getWebSockets(nodeTag(nodeId)).filter((ws) => ws.readyState === WebSocket.OPEN);
}
