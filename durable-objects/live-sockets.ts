/**
 * Live dashboard sockets of one project, hosted by that project's ProjectHubDO with the
 * WebSocket Hibernation API: the hub may be evicted while sockets stay open, and every change
 * it appends (audit entries, events) is broadcast to them as a small message. Dashboards
 * refetch what changed; messages never carry resource contents.
 *
 * Invariants:
 * - Only the Worker reaches a Durable Object, so the grant header on an upgrade request is
 *   trusted: the `/live` route sets it after authenticating the operator.
 * - A socket only receives changes of resource types its grant can read (`scopeForResource`).
 * - Live tickets are single-use and short-lived; only their SHA-256 is stored.
 */
import { randomBytes, sha256Hex, toBase64Url } from "../src/auth/crypto";
import { LIVE_GRANT_HEADER, LIVE_TICKET_TTL_MS, type LiveGrant } from "../src/rpc/project-hub";

/** Live tickets are recognisable by this prefix. */
export const LIVE_TICKET_PREFIX = "zlt_";
/** Beyond this many distinct changes in one append, sockets get one `resync` instead. */
export const MAX_CHANGES_PER_BROADCAST = 50;
/** Application-level keepalive: the hub answers this text without waking up. */
export const LIVE_PING = "ping";
/** The answer to {@link LIVE_PING}. */
export const LIVE_PONG = "pong";

const TICKET_KEY_PREFIX = "live-ticket:";
/** Tickets looked at per sweep; each issue sweeps, so a backlog drains over a few issues. */
const MAX_TICKETS_SWEPT = 500;

/**
 * One message to dashboards. `type` is the audit action or event type (`bundle.created`,
 * `rollout.paused`, …), or `hello` (sent on connect: refetch everything, changes may have been
 * missed while disconnected) or `resync` (too many changes at once: refetch everything).
 */
export interface LiveMessage {
  type: string;
  resource_type: string | null;
  resource_id: string | null;
  /** ISO 8601 time of the change. */
  at: string;
}

/** A change as the hub appended it (audit entry or event). */
export interface AppendedChange {
  type: string;
  resourceType: string | null;
  resourceId: string | null;
  createdAt: number;
}

/** The scope that lets a socket see changes of `resourceType` (besides `audit:read`). */
export function scopeForResource(resourceType: string | null): string {
  switch (resourceType) {
    case "project":
      return "projects:read";
    case "node":
    case "enrollment_token":
      return "nodes:read";
    case "bundle":
    case "signing_key":
      return "bundles:read";
    case "rollout":
      return "rollouts:read";
    case "api_key":
      return "api_keys:admin";
    default:
      return "audit:read";
  }
}

/** Whether a socket holding `scopes` may see this message. `audit:read` sees every change. */
export function canSeeMessage(scopes: readonly string[], message: LiveMessage): boolean {
  if (message.type === "hello" || message.type === "resync") {
    return true;
  }
  return scopes.includes("audit:read") || scopes.includes(scopeForResource(message.resource_type));
}

/**
 * The messages for one append: one per distinct (type, resource), in append order. An audit
 * entry and its event usually describe the same change and collapse into one message.
 */
export function messagesFor(changes: readonly AppendedChange[]): LiveMessage[] {
  const seen = new Set<string>();
  const out: LiveMessage[] = [];
  for (const ch of changes) {
    const key = `${ch.type}\u0000${ch.resourceType ?? ""}\u0000${ch.resourceId ?? ""}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    out.push({
      type: ch.type,
      resource_type: ch.resourceType,
      resource_id: ch.resourceId,
      at: new Date(ch.createdAt).toISOString(),
    });
  }
  if (out.length > MAX_CHANGES_PER_BROADCAST) {
    const last = out[out.length - 1];
    return [{ type: "resync", resource_type: null, resource_id: null, at: last?.at ?? "" }];
  }
  return out;
}

/** The fields of an appended audit entry that a broadcast uses. */
interface AppendedEntry {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  createdAt: number;
}

interface StoredTicket {
  grant: LiveGrant;
  expiresAt: number;
}

interface SocketAttachment {
  scopes: string[];
  actor: string;
  connectedAt: number;
}

function isGrant(value: unknown): value is LiveGrant {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    Array.isArray(v.scopes) &&
    v.scopes.every((s) => typeof s === "string") &&
    typeof v.actor === "string"
  );
}

/** The hub's live sockets: accept, broadcast, tickets. Construct once per hub instance. */
export class LiveSockets {
  constructor(private readonly ctx: DurableObjectState) {
    // Keepalives are answered by the runtime without waking a hibernated hub.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(LIVE_PING, LIVE_PONG));
  }

  /** Mints a single-use ticket for `grant`, valid for {@link LIVE_TICKET_TTL_MS}. */
  async issueTicket(grant: LiveGrant, now: number): Promise<{ ticket: string; expiresAt: number }> {
    await this.sweepTickets(now);
    const ticket = `${LIVE_TICKET_PREFIX}${toBase64Url(randomBytes(32))}`;
    const expiresAt = now + LIVE_TICKET_TTL_MS;
    const stored: StoredTicket = { grant, expiresAt };
    await this.ctx.storage.put(`${TICKET_KEY_PREFIX}${await sha256Hex(ticket)}`, stored);
    return { ticket, expiresAt };
  }

  /**
   * Redeems a ticket: returns its grant and deletes it, or null when unknown, used or expired.
   * Single use holds because the hub's storage operations on one key are serialised.
   */
  async redeemTicket(ticket: string, now: number): Promise<LiveGrant | null> {
    if (!ticket.startsWith(LIVE_TICKET_PREFIX)) {
      return null;
    }
    const key = `${TICKET_KEY_PREFIX}${await sha256Hex(ticket)}`;
    const stored = await this.ctx.storage.get<StoredTicket>(key);
    if (!stored) {
      return null;
    }
    await this.ctx.storage.delete(key);
    return stored.expiresAt > now ? stored.grant : null;
  }

  /** Accepts a WebSocket upgrade that the Worker authorised (grant header). */
  accept(request: Request, now: number): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    let grant: unknown = null;
    try {
      grant = JSON.parse(request.headers.get(LIVE_GRANT_HEADER) ?? "null");
    } catch {
      grant = null;
    }
    if (!isGrant(grant)) {
      return new Response("missing live grant", { status: 403 });
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const attachment: SocketAttachment = {
      scopes: grant.scopes,
      actor: grant.actor,
      connectedAt: now,
    };
    server.serializeAttachment(attachment);
    const hello: LiveMessage = {
      type: "hello",
      resource_type: null,
      resource_id: null,
      at: new Date(now).toISOString(),
    };
    server.send(JSON.stringify(hello));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends each message to every socket allowed to see it. Never throws. */
  broadcast(messages: readonly LiveMessage[]): void {
    if (messages.length === 0) {
      return;
    }
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as SocketAttachment | null;
      const scopes = attachment?.scopes ?? [];
      for (const message of messages) {
        if (!canSeeMessage(scopes, message)) {
          continue;
        }
        try {
          ws.send(JSON.stringify(message));
        } catch {
          // A socket that is closing cannot be sent to; the runtime drops it from the list.
          break;
        }
      }
    }
  }

  /** Broadcasts one hub append: its audit entries and events, deduplicated. */
  broadcastAppend(
    entries: readonly AppendedEntry[],
    events: readonly {
      type: string;
      resourceType?: string;
      resourceId?: string;
      createdAt: number;
    }[],
  ): void {
    this.broadcast(
      messagesFor([
        ...entries.map((e) => ({
          type: e.action,
          resourceType: e.resourceType,
          resourceId: e.resourceId ?? null,
          createdAt: e.createdAt,
        })),
        ...events.map((e) => ({
          type: e.type,
          resourceType: e.resourceType ?? null,
          resourceId: e.resourceId ?? null,
          createdAt: e.createdAt,
        })),
      ]),
    );
  }

  /** Deletes expired tickets (few: each lives 30 s), so abandoned tickets do not accumulate. */
  private async sweepTickets(now: number): Promise<void> {
    const tickets = await this.ctx.storage.list<StoredTicket>({
      prefix: TICKET_KEY_PREFIX,
      limit: MAX_TICKETS_SWEPT,
    });
    const expired = [...tickets].filter(([, t]) => t.expiresAt <= now).map(([k]) => k);
    if (expired.length > 0) {
      await this.ctx.storage.delete(expired);
    }
  }
}
