import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../src/db/schema";
import { jitterSeconds } from "../../src/domain/jitter";
import {
  type FlushStats,
  flushPolicy,
  type HeartbeatObservation,
  type ShardHeartbeat,
  type ShardHeartbeatAck,
  type ShardReportWrite,
} from "../../src/domain/node-hot";
import {
  PUSH_CLOSE,
  type PushHello,
  type PushOffer,
  pushPollIntervalS,
} from "../../src/domain/push-protocol";
import { type Env, loadConfig } from "../../src/env";
import type { HotPathState, NodeShardRpc, PushResult } from "../../src/rpc/node-shard";
import { createAuditService } from "../../src/services/audit";
import { type BundleOfferBody, offerFor } from "../../src/services/bundle-offer";
import { createLogger } from "../../src/services/logger";
import { HotPath } from "./hot-path";
import { readOfferRows } from "./offers";
import { acceptNodeSocket, attachmentOf, socketsOf, tryClose, trySend } from "./sockets";

/**
 * One instance per project and shard (`shardFor` in src/domain/node-shard.ts): terminates the
 * push sockets of its nodes and pushes offers when the rollout engine (or an operator's
 * assignment) gives them a new desired bundle; and holds the hot per-node state of its nodes:
 * heartbeats are stored here (acknowledged once durable), flushed to D1 in coalesced batches by
 * the alarm, and read from here by the rollout gates. Modules: sockets.ts (hibernatable
 * sockets, one per node), offers.ts (the D1 read of a push), hot-path.ts with hot-store.ts and
 * flush.ts (the node write path).
 *
 * Invariants:
 * - Polling is the source of truth: a push re-reads D1 and sends exactly the body the node's
 *   next poll would get, so a pushed message is an optimisation that can be lost at no cost.
 * - A socket whose credential expired (JWT `exp`) or whose node was revoked is closed with a
 *   close code instead of being offered anything.
 */
export class NodeShardDO extends DurableObject<Env> implements NodeShardRpc {
  private hotPath: HotPath | null = null;

  /** The node write path, built on first use (the config is read once per instance). */
  private get hot(): HotPath {
    if (this.hotPath === null) {
      const config = loadConfig(this.env);
      const offlineAfterMs = config.NODE_OFFLINE_AFTER_S * 1000;
      this.hotPath = new HotPath({
        storage: this.ctx.storage,
        d1: this.env.DB,
        policy: flushPolicy({
          offlineAfterMs,
          heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_S * 1000,
        }),
        offlineAfterMs,
        emit: (events) => createAuditService(this.env, () => Date.now()).emit(events),
        logger: createLogger(config.LOG_LEVEL, { component: "node-shard" }),
        now: () => Date.now(),
      });
    }
    return this.hotPath;
  }

  /** Stores a heartbeat; the reply (the node's acknowledgement) waits for the durable write. */
  heartbeat(hb: ShardHeartbeat): Promise<ShardHeartbeatAck> {
    return this.hot.heartbeat(hb);
  }

  /** Takes over the node columns a bundle report wrote to D1 itself. */
  async recordReportWrite(report: ShardReportWrite): Promise<void> {
    this.hot.report(report);
  }

  /** The latest heartbeat of each listed node this shard has (rollout gate reads). */
  async observeHeartbeats(nodeIds: readonly string[]): Promise<HeartbeatObservation[]> {
    return this.hot.observe(nodeIds);
  }

  /** Flushes to D1 now: what is due, or with `all` every pending row (tests, benchmarks). */
  flushHot(all: boolean): Promise<FlushStats> {
    return this.hot.flush({ all });
  }

  /** Diagnostics of the write path. */
  hotState(): Promise<HotPathState> {
    return this.hot.debug();
  }

  /** The one alarm: the write path's next flush. */
  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    await this.hot.alarm(info);
  }

  /** Accepts a node's WebSocket; the Worker's socket route authenticated it (grant header). */
  override fetch(request: Request): Response {
    const accepted = acceptNodeSocket(this.ctx, request, Date.now());
    if (accepted.socket !== null && accepted.grant !== null) {
      const hello: PushHello = {
        type: "hello",
        node_id: accepted.grant.nodeId,
        poll_interval_s: pushPollIntervalS(loadConfig(this.env).POLL_INTERVAL_S),
      };
      trySend(accepted.socket, JSON.stringify(hello));
    }
    return accepted.response;
  }

  /** Pushes the current offer to each of `nodeIds` that has an open socket here. */
  async pushOffers(nodeIds: readonly string[]): Promise<PushResult> {
    const now = Date.now();
    const open = new Map<string, WebSocket[]>();
    for (const nodeId of new Set(nodeIds)) {
      const sockets = socketsOf(this.ctx, nodeId);
      if (sockets.length > 0) {
        open.set(nodeId, sockets);
      }
    }
    const result: PushResult = { connected: open.size, sent: 0 };
    const first = open.values().next().value?.[0];
    const grant = first ? attachmentOf(first) : null;
    if (grant === null) {
      return result;
    }
    const config = loadConfig(this.env);
    const rows = await readOfferRows(drizzle(this.env.DB, { schema }), grant.projectId, [
      ...open.keys(),
    ]);
    for (const { node, bundle } of rows) {
      const sockets = open.get(node.id) ?? [];
      if (node.revokedAt !== null) {
        for (const ws of sockets) {
          tryClose(ws, PUSH_CLOSE.revoked, "node revoked");
        }
        continue;
      }
      for (const ws of sockets) {
        const attachment = attachmentOf(ws);
        if (attachment === null) {
          continue;
        }
        if (attachment.credentialExpiresAt !== null && attachment.credentialExpiresAt <= now) {
          tryClose(ws, PUSH_CLOSE.unauthorized, "credential expired");
          continue;
        }
        const pollAfterS = jitterSeconds(config.POLL_INTERVAL_S, Math.random());
        const built = offerFor(node, bundle, attachment.origin, pollAfterS);
        if (built.offer === null) {
          continue;
        }
        const message: PushOffer<BundleOfferBody> = { type: "offer", offer: built.offer };
        if (trySend(ws, JSON.stringify(message))) {
          result.sent++;
        }
      }
    }
    return result;
  }

  /** Closes every socket of `nodeId` with `code` (e.g. {@link PUSH_CLOSE}.revoked). */
  async disconnect(nodeId: string, code: number, reason: string): Promise<number> {
    const sockets = socketsOf(this.ctx, nodeId);
    for (const ws of sockets) {
      tryClose(ws, code, reason);
    }
    return sockets.length;
  }

  /** Ids of the nodes with an open socket here. */
  async connectedNodes(): Promise<string[]> {
    const ids = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = ws.readyState === WebSocket.OPEN ? attachmentOf(ws) : null;
      if (attachment !== null) {
        ids.add(attachment.nodeId);
      }
    }
    return [...ids].sort();
  }

  /** Nodes send only `ping` (answered by the runtime); anything else is ignored. */
  override webSocketMessage(): void {}

  /** Completes the closing handshake the node started. */
  override webSocketClose(ws: WebSocket, code: number): void {
    // 1005/1006 are reserved (no code / abnormal) and cannot be sent back.
    tryClose(ws, code === 1005 || code === 1006 ? 1000 : code, "closed");
  }
}
