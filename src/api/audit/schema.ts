import { z } from "@hono/zod-openapi";
import type { auditLogs } from "../../db/schema";
import { iso, isoTime } from "../schemas";

export const auditEntrySchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    action: z.string().openapi({ example: "rollout.created" }),
    actor_type: z.enum(["user", "api_key", "node", "system"]),
    actor_id: z.string(),
    resource_type: z.string(),
    resource_id: z.string().nullable(),
    diff: z.record(z.string(), z.unknown()).nullable(),
    request_id: z.string().nullable(),
    created_at: isoTime,
    prev_hash: z.string(),
    hash: z.string(),
  })
  .openapi("AuditEntry");

/** API shape of an audit row. */
export function toAuditEntry(r: typeof auditLogs.$inferSelect): z.infer<typeof auditEntrySchema> {
  return {
    id: r.id,
    seq: r.seq,
    action: r.action,
    actor_type: r.actorType,
    actor_id: r.actorId,
    resource_type: r.resourceType,
    resource_id: r.resourceId,
    diff: r.diff ?? null,
    request_id: r.requestId,
    created_at: iso(r.createdAt),
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}
