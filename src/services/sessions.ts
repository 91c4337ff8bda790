/**
 * Dashboard sessions. The browser holds a random 256-bit token in the `zcp_session` cookie; the
 * database stores only its SHA-256 as `sessions.id`, so a leaked table cannot be replayed. Each
 * session has its own CSRF token, which the dashboard echoes in X-CSRF-Token on mutations.
 */
import { and, eq, inArray, lt } from "drizzle-orm";
import { randomBytes, toBase64Url } from "../auth/crypto";
import { hashSecret } from "../auth/tokens";
import { memberships, orgs, type Role, sessions, users } from "../db/schema";
import type { Services } from ".";

/** Lifetime of a signed-in session (absolute, not sliding). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Lifetime of a password-verified session still waiting for its TOTP code. */
export const PENDING_TOTP_TTL_MS = 5 * 60 * 1000;

/** A users row. */
export type UserRow = typeof users.$inferSelect;
/** A sessions row. */
export type SessionRow = typeof sessions.$inferSelect;

/** A freshly created session: the clear token (cookie only) and what the client may see. */
export interface IssuedSession {
  token: string;
  id: string;
  csrfToken: string;
  expiresAt: number;
  pendingTotp: boolean;
}

/** Where a login came from (kept on the session for the user's own review). */
export interface SessionOrigin {
  ip: string | null;
  userAgent: string | null;
}

/** A membership with its org, as shown to the signed-in user. */
export interface MembershipView {
  orgId: string;
  orgSlug: string;
  orgName: string;
  role: Role;
}

/** A session found by its cookie token, with its user and memberships. */
export interface LoadedSession {
  session: SessionRow;
  user: UserRow;
  memberships: MembershipView[];
}

/** Mints a token, CSRF token and id (hash); nothing is stored yet. */
export async function mintSession(now: number, pendingTotp: boolean): Promise<IssuedSession> {
  const token = toBase64Url(randomBytes(32));
  return {
    token,
    id: await hashSecret(token),
    csrfToken: toBase64Url(randomBytes(32)),
    expiresAt: now + (pendingTotp ? PENDING_TOTP_TTL_MS : SESSION_TTL_MS),
    pendingTotp,
  };
}

/** Row values for an issued session. */
export function sessionRow(
  s: IssuedSession,
  userId: string,
  origin: SessionOrigin,
  now: number,
): SessionRow {
  return {
    id: s.id,
    userId,
    csrfToken: s.csrfToken,
    pendingTotp: s.pendingTotp,
    createdAt: now,
    expiresAt: s.expiresAt,
    ip: origin.ip,
    userAgent: origin.userAgent?.slice(0, 512) ?? null,
  };
}

/**
 * Starts a session after a successful password check: stores it, records the login time and
 * drops the user's expired sessions (so the table does not grow without bound), in one batch.
 */
export async function startSession(
  services: Services,
  user: UserRow,
  pendingTotp: boolean,
  origin: SessionOrigin,
): Promise<IssuedSession> {
  const { db, clock } = services;
  const now = clock.now();
  const issued = await mintSession(now, pendingTotp);
  await db.batch([
    db.delete(sessions).where(and(eq(sessions.userId, user.id), lt(sessions.expiresAt, now))),
    db.insert(sessions).values(sessionRow(issued, user.id, origin, now)),
    ...(pendingTotp
      ? []
      : [db.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id))]),
  ]);
  return issued;
}

/**
 * Exchanges a pending-TOTP session for a full one with a new token and CSRF token (a token seen
 * before the second factor never becomes a signed-in session). Atomic: the new row is inserted
 * only if the pending row still exists, and the pending row is deleted in the same batch, so a
 * pending session completes at most once. Returns null when it was already used or expired.
 */
export async function completePendingSession(
  services: Services,
  pending: SessionRow,
  origin: SessionOrigin,
): Promise<IssuedSession | null> {
  const { d1, clock } = services;
  const now = clock.now();
  const issued = await mintSession(now, false);
  const row = sessionRow(issued, pending.userId, origin, now);
  const [inserted] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO sessions (id, user_id, csrf_token, pending_totp, created_at, expires_at, ip, user_agent)
         SELECT ?, ?, ?, 0, ?, ?, ?, ? WHERE EXISTS (
           SELECT 1 FROM sessions WHERE id = ? AND pending_totp = 1 AND expires_at > ?)`,
      )
      .bind(
        row.id,
        row.userId,
        row.csrfToken,
        row.createdAt,
        row.expiresAt,
        row.ip,
        row.userAgent,
        pending.id,
        now,
      ),
    d1.prepare("DELETE FROM sessions WHERE id = ?").bind(pending.id),
    d1.prepare("UPDATE users SET last_login_at = ? WHERE id = ?").bind(now, pending.userId),
  ]);
  return inserted && inserted.meta.changes === 1 ? issued : null;
}

/**
 * Finds a session (pending or not) by its clear token, with the user and memberships, in one
 * D1 round trip. Expired sessions and disabled users count as absent.
 */
export async function loadSession(
  services: Services,
  token: string,
): Promise<LoadedSession | null> {
  const { db, clock } = services;
  const id = await hashSecret(token);
  const ownerId = db.select({ userId: sessions.userId }).from(sessions).where(eq(sessions.id, id));
  // Three single-table selects rather than a join: D1 batches return rows keyed by column name,
  // so joined tables with same-named columns (id, created_at) would overwrite each other.
  const [found, owner, member] = await db.batch([
    db.select().from(sessions).where(eq(sessions.id, id)).limit(1),
    db.select().from(users).where(inArray(users.id, ownerId)).limit(1),
    db
      .select({
        orgId: memberships.orgId,
        orgSlug: orgs.slug,
        orgName: orgs.name,
        role: memberships.role,
      })
      .from(memberships)
      .innerJoin(orgs, eq(orgs.id, memberships.orgId))
      .where(inArray(memberships.userId, ownerId)),
  ]);
  const session = found[0];
  const user = owner[0];
  if (!session || !user || session.expiresAt <= clock.now() || user.disabledAt !== null) {
    return null;
  }
  return { session, user, memberships: member };
}

/** Ends one session. */
export async function endSession(services: Services, sessionId: string): Promise<void> {
  await services.db.delete(sessions).where(eq(sessions.id, sessionId));
}
