/**
 * The node push channel's wire vocabulary (`GET /api/v1/nodes/{node_id}/socket`), shared by the
 * control plane and zentinel-agent. Messages are JSON text frames from the control plane; the
 * node sends only the text `ping` (answered `pong` without waking the shard).
 *
 * Polling stays the source of truth: a pushed offer is exactly a poll's answer, and a node that
 * misses one (no socket, dropped message, restarted shard) converges at its next poll.
 */

/** Keepalive text a node sends; the shard answers {@link PUSH_PONG} without waking. */
export const PUSH_PING = "ping";
/** The answer to {@link PUSH_PING}. */
export const PUSH_PONG = "pong";

/**
 * Close codes (RFC 6455 private range 4000–4999). An agent reconnects with backoff after
 * `replaced`/`going away`; after `unauthorized` it renews its credential first; after `revoked`
 * and `forbidden` it stops reconnecting (polling reports the same error).
 */
export const PUSH_CLOSE = {
  /** Another socket of the same node opened; this older one is closed. */
  replaced: 4000,
  /** No credential, or an invalid or expired one (the HTTP 401 cases). */
  unauthorized: 4401,
  /** The credential is valid but for another node than the path's (e.g. another project's). */
  forbidden: 4403,
  /** The node was revoked. */
  revoked: 4410,
  /** The node is over its request budget (the HTTP 429 case). */
  rateLimited: 4429,
} as const;

/** One close code of {@link PUSH_CLOSE}. */
export type PushCloseCode = (typeof PUSH_CLOSE)[keyof typeof PUSH_CLOSE];

/** First message on a new socket. */
export interface PushHello {
  type: "hello";
  node_id: string;
  /** Poll interval the agent should use while this socket stays healthy (seconds). */
  poll_interval_s: number;
}

/** A new desired bundle: `offer` is the body `GET …/bundles/latest` answers. */
export interface PushOffer<Body> {
  type: "offer";
  offer: Body;
}

/**
 * How much longer an agent polls while its socket is healthy. Push makes polls a safety net,
 * so they can be rarer; this factor bounds how long a missed push can go unnoticed.
 */
export const PUSH_POLL_INTERVAL_FACTOR = 10;

/** Poll interval (seconds) while the socket is healthy, for a base interval `baseS`. */
export function pushPollIntervalS(baseS: number): number {
  return baseS * PUSH_POLL_INTERVAL_FACTOR;
}
