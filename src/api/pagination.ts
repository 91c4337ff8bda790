import { and, type Column, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { fromBase64, toBase64Url } from "../auth/crypto";
import { badRequest } from "./errors";

/** A position in a list ordered by (created_at DESC, id DESC). */
export interface Cursor {
  t: number;
  id: string;
}

/** Encodes the position after `row` as an opaque cursor. */
export function encodeCursor(t: number, id: string): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify([t, id])));
}

/** Decodes a cursor from `?cursor=`; a malformed one is a 400, not a silent first page. */
export function decodeCursor(raw: string | undefined): Cursor | null {
  if (raw === undefined || raw === "") {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(fromBase64(raw)));
    if (Array.isArray(parsed) && typeof parsed[0] === "number" && typeof parsed[1] === "string") {
      return { t: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the 400 below
  }
  throw badRequest("Invalid cursor", [
    { path: "cursor", message: "not a cursor returned by this API" },
  ]);
}

/** WHERE fragment selecting rows strictly after the cursor in (time DESC, id DESC) order. */
export function afterCursor(cursor: Cursor | null, time: Column, id: Column): SQL | undefined {
  if (!cursor) {
    return undefined;
  }
  return or(lt(time, cursor.t), and(eq(time, cursor.t), lt(id, cursor.id)));
}

/** ORDER BY for cursor lists. */
export function cursorOrder(time: Column, id: Column): SQL[] {
  return [desc(time), desc(id)];
}

/**
 * Given `limit + 1` fetched rows, returns the page and the next cursor (null on the last page).
 */
export function paginate<T>(
  rows: T[],
  limit: number,
  key: (row: T) => { t: number; id: string },
): { items: T[]; next_cursor: string | null } {
  if (rows.length <= limit) {
    return { items: rows, next_cursor: null };
  }
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  if (last === undefined) {
    return { items, next_cursor: null };
  }
  const k = key(last);
  return { items, next_cursor: encodeCursor(k.t, k.id) };
}
