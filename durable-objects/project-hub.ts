import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import { enqueueNotifications, type WrittenEvent } from "../src/notifications/enqueue";
import type {
  AuditInput,
  ChainState,
  EventInput,
  LiveGrant,
  ProjectHubRpc,
  PruneResult,
  Timed,
} from "../src/rpc/project-hub";
import { type ChainedFields, entryHash, GENESIS_HASH } from "../src/services/audit-chain";
import { pruneChain, readChainState } from "./chain-maintenance";
import { LiveSockets } from "./live-sockets";

interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * One per project (or per org for org-level audit entries). Serialises audit-chain appends so
 * `seq` never forks, and writes each append's audit rows and events to D1 in one batch.
 *
 * Invariant: the stored head equals the last row of the chain in D1. The head advances only
 * after the D1 batch succeeded; if D1 fails the caller gets the error and nothing advances.
 */
export class ProjectHubDO extends DurableObject<Env> implements ProjectHubRpc {
  /** Serialises appends: D1 awaits would otherwise let two appends read the same head. */
  private queue: Promise<unknown> = Promise.resolve();

  // --- Live dashboard sockets (durable-objects/live-sockets.ts) ---
  /** Hibernatable WebSockets of the project's dashboards; every append is broadcast to them. */
  private readonly live = new LiveSockets(this.ctx);

  /** Accepts a dashboard WebSocket; the Worker's /live route authorised it (grant header). */
  override fetch(request: Request): Response {
    return this.live.accept(request, Date.now());
  }

  /** Mints a single-use live ticket (POST …/live-ticket) carrying `grant`. */
  issueLiveTicket(grant: LiveGrant): Promise<{ ticket: string; expiresAt: number }> {
    return this.live.issueTicket(grant, Date.now());
  }

  /** Redeems a live ticket once; null when unknown, used or expired. */
  redeemLiveTicket(ticket: string): Promise<LiveGrant | null> {
    return this.live.redeemTicket(ticket, Date.now());
  }
  // --- end live sockets ---

  // --- Audit retention and verification (durable-objects/chain-maintenance.ts) ---
  /** Head and retention anchor of `chain`, for GET …/audit-logs/verify. */
  chainState(chain: string): Promise<ChainState> {
    return readChainState(this.ctx.storage, chain);
  }

  /** Prunes entries of `chain` older than `cutoffMs`, serialised with appends. */
  prune(chain: string, cutoffMs: number, maxRows: number): Promise<PruneResult> {
    const run = this.queue.then(async () =>
      pruneChain(this.ctx.storage, this.env, chain, cutoffMs, maxRows, await this.head(chain)),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }
  // --- end audit retention ---

  /** Appends audit entries and events for `chain`; resolves when both are durable in D1. */
  append(chain: string, entries: Timed<AuditInput>[], events: Timed<EventInput>[]): Promise<void> {
    const run = this.queue.then(() => this.appendNow(chain, entries, events));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(
    chain: string,
    entries: Timed<AuditInput>[],
    events: Timed<EventInput>[],
  ): Promise<void> {
    const key = this.env.AUDIT_HMAC_KEY;
    if (!key) {
      throw new Error("AUDIT_HMAC_KEY is not configured");
    }
    let head = await this.head(chain);
    const statements: D1PreparedStatement[] = [];
    for (const e of entries) {
      const fields: ChainedFields = {
        id: crypto.randomUUID(),
        chain,
        seq: head.seq + 1,
        orgId: e.orgId,
        projectId: e.projectId,
        actorType: e.actor.type,
        actorId: e.actor.id,
        action: e.action,
        resourceType: e.resourceType,
        resourceId: e.resourceId ?? null,
        diff: e.diff ?? null,
        requestId: e.requestId ?? null,
        createdAt: e.createdAt,
      };
      const hash = await entryHash(key, head.hash, fields);
      statements.push(
        this.env.DB.prepare(
          `INSERT INTO audit_logs (id, chain, seq, org_id, project_id, actor_type, actor_id, action,
             resource_type, resource_id, diff, request_id, created_at, prev_hash, hash)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
        ).bind(
          fields.id,
          chain,
          fields.seq,
          fields.orgId,
          fields.projectId,
          fields.actorType,
          fields.actorId,
          fields.action,
          fields.resourceType,
          fields.resourceId,
          fields.diff === null ? null : JSON.stringify(fields.diff),
          fields.requestId,
          fields.createdAt,
          head.hash,
          hash,
        ),
      );
      head = { seq: fields.seq, hash };
    }
    const written: WrittenEvent[] = [];
    for (const ev of events) {
      const eventId = crypto.randomUUID();
      written.push({
        id: eventId,
        projectId: ev.projectId,
        type: ev.type,
        createdAt: ev.createdAt,
      });
      statements.push(
        this.env.DB.prepare(
          `INSERT INTO events (id, project_id, type, severity, resource_type, resource_id, payload, created_at)
           VALUES (?,?,?,?,?,?,?,?)`,
        ).bind(
          eventId,
          ev.projectId,
          ev.type,
          ev.severity ?? "info",
          ev.resourceType ?? null,
          ev.resourceId ?? null,
          JSON.stringify(ev.payload),
          ev.createdAt,
        ),
      );
    }
    if (statements.length === 0) {
      return;
    }
    await this.env.DB.batch(statements);
    if (entries.length > 0) {
      await this.ctx.storage.put(`head:${chain}`, head);
    }
    // Live sockets: tell dashboards what changed, only after the change is durable.
    this.live.broadcastAppend(entries, events);
    // --- Notifications (src/notifications/enqueue.ts): fan out the durable events to the
    // project's notification rules. Never throws, so a queue hiccup cannot fail the append.
    await enqueueNotifications(this.env, written);
    // --- end notifications ---
  }

  /** The chain head, from DO storage or (first use, lost storage) from D1. */
  private async head(chain: string): Promise<ChainHead> {
    const stored = await this.ctx.storage.get<ChainHead>(`head:${chain}`);
    if (stored) {
      return stored;
    }
    const row = await this.env.DB.prepare(
      "SELECT seq, hash FROM audit_logs WHERE chain = ? ORDER BY seq DESC LIMIT 1",
    )
      .bind(chain)
      .first<ChainHead>();
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }
}
