import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { decodeCursor, paginate } from "../api/pagination";
import type { Db } from "../services";
import { auditLogs } from "./schema";

/** Filters of an audit-log page. */
export interface AuditPageQuery {
  limit: number;
  cursor?: string | undefined;
  action?: string | undefined;
  actor?: string | undefined;
  since?: string | undefined;
}

/**
 * One page of a chain (project id or `org:<id>`), newest first. The cursor is a position in the
 * chain (`seq`), so pages never repeat or skip entries while new ones are appended.
 */
export async function auditPage(db: Db, chain: string, q: AuditPageQuery) {
  const where: SQL[] = [eq(auditLogs.chain, chain)];
  if (q.action) {
    where.push(eq(auditLogs.action, q.action));
  }
  if (q.actor) {
    where.push(eq(auditLogs.actorId, q.actor));
  }
  if (q.since) {
    where.push(gte(auditLogs.createdAt, Date.parse(q.since)));
  }
  const after = decodeCursor(q.cursor);
  if (after) {
    where.push(lt(auditLogs.seq, after.t));
  }
  const rows = await db
    .select()
    .from(auditLogs)
    .where(and(...where))
    .orderBy(desc(auditLogs.seq))
    .limit(q.limit + 1);
  return paginate(rows, q.limit, (r) => ({ t: r.seq, id: r.id }));
}
