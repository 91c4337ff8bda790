import { z } from "@hono/zod-openapi";
import type { freezeWindows } from "../../db/schema";
import { iso, isoTime, projectParam, uuidParam } from "../schemas";

/** A freeze_windows row. */
export type FreezeWindowRow = typeof freezeWindows.$inferSelect;

/** Path parameters `{project}` and `{window_id}`. */
export const freezeWindowParams = projectParam.extend({ window_id: uuidParam("window_id") });

const instant = z.iso.datetime({ offset: true });

/** Checks `ends_at > starts_at` whenever both parsed (also next to other problems). */
function checkOrder(value: unknown, ctx: z.RefinementCtx): void {
  const raw = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const starts = instant.safeParse(raw.starts_at);
  const ends = instant.safeParse(raw.ends_at);
  if (starts.success && ends.success && Date.parse(ends.data) <= Date.parse(starts.data)) {
    ctx.addIssue({ code: "custom", path: ["ends_at"], message: "must be after starts_at" });
  }
}

/** POST body. */
export const createFreezeWindowBody = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ example: "Black Friday" }),
    reason: z.string().trim().max(500).nullable().optional().openapi({ example: "peak traffic" }),
    starts_at: instant.openapi({ example: "2026-11-27T00:00:00Z" }),
    ends_at: instant.openapi({ example: "2026-11-30T23:59:59Z" }),
  })
  .superRefine(checkOrder, { when: () => true })
  .openapi("FreezeWindowCreate");

/** A freeze window. */
export const freezeWindowSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    reason: z.string().nullable(),
    starts_at: isoTime,
    ends_at: isoTime,
    active: z.boolean().openapi({ description: "the window covers the current time" }),
    created_by: z.string().nullable(),
    created_at: isoTime,
  })
  .openapi("FreezeWindow");

/** API shape of a row at `now`. */
export function toFreezeWindow(
  row: FreezeWindowRow,
  now: number,
): z.infer<typeof freezeWindowSchema> {
  return {
    id: row.id,
    name: row.name,
    reason: row.reason,
    starts_at: iso(row.startsAt),
    ends_at: iso(row.endsAt),
    active: row.startsAt <= now && now < row.endsAt,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
  };
}
