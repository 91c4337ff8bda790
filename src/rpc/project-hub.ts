/**
 * The RPC contract of ProjectHubDO (binding `PROJECT_HUB`, one object per project, or per org
 * for org-level audit entries): audit-chain appends, chain retention, live dashboard sockets.
 * Part of the binding types (src/bindings.ts): pure data types only.
 */
import type { Actor } from "../auth/principal";

/** One audit entry as callers describe it; the hub adds seq, time and the chain hash. */
export interface AuditInput {
  orgId: string;
  projectId: string | null;
  actor: Actor;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** What changed: `{before, after}` or the created/deleted resource (no secrets). */
  diff?: Record<string, unknown> | null;
  requestId?: string | null;
}

/** One project event (rollout.*, bundle.*, node.*, drift.*) for the stream and notifications. */
export interface EventInput {
  projectId: string;
  type: string;
  severity?: "info" | "warning" | "critical";
  resourceType?: string;
  resourceId?: string;
  payload: Record<string, unknown>;
}

/** An append's input stamped with the time the caller recorded it (ms since the epoch). */
export type Timed<T> = T & { createdAt: number };

/** A point of an audit chain: an entry's sequence number and hash. */
export interface ChainPoint {
  seq: number;
  hash: string;
}

/** What verification needs from the hub. */
export interface ChainState {
  /** The last appended entry as the hub recorded it; null if the hub has no record. */
  head: ChainPoint | null;
  /** The last pruned entry; null if nothing was ever pruned. */
  anchor: ChainPoint | null;
}

/** Outcome of one prune call. */
export interface PruneResult {
  /** Rows deleted. */
  pruned: number;
  /** The anchor after this call (null if nothing was ever pruned). */
  prunedThroughSeq: number | null;
  /** Set when the prefix failed verification: nothing was deleted, the evidence stays. */
  refused: string | null;
}

/** Internal header carrying the JSON {@link LiveGrant} from the Worker to the hub. */
export const LIVE_GRANT_HEADER = "x-zcp-live-grant";
/** How long a live ticket may wait before it is redeemed. */
export const LIVE_TICKET_TTL_MS = 30_000;

/** What a live socket may see: the connecting principal's scopes in this project. */
export interface LiveGrant {
  scopes: string[];
  /** `type:id` of the principal, for logs. */
  actor: string;
}

/** The RPC surface of ProjectHubDO; `fetch` accepts a dashboard WebSocket upgrade. */
export interface ProjectHubRpc extends Rpc.DurableObjectBranded {
  issueLiveTicket(grant: LiveGrant): Promise<{ ticket: string; expiresAt: number }>;
  redeemLiveTicket(ticket: string): Promise<LiveGrant | null>;
  chainState(chain: string): Promise<ChainState>;
  prune(chain: string, cutoffMs: number, maxRows: number): Promise<PruneResult>;
  append(chain: string, entries: Timed<AuditInput>[], events: Timed<EventInput>[]): Promise<void>;
}
