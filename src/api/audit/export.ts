import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, gte, lt, type SQL } from "drizzle-orm";
import { auditLogs } from "../../db/schema";
import type { Db } from "../../services";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { toAuditEntry } from "./schema";

/** Rows read per D1 query while streaming. */
const EXPORT_PAGE_SIZE = 500;

/** CSV columns, in order (diff is its JSON text). */
const CSV_COLUMNS = [
  "seq",
  "id",
  "created_at",
  "actor_type",
  "actor_id",
  "action",
  "resource_type",
  "resource_id",
  "request_id",
  "diff",
  "prev_hash",
  "hash",
] as const;

const query = z.object({
  format: z
    .enum(["csv", "json"])
    .default("json")
    .openapi({ param: { name: "format", in: "query" }, example: "csv" }),
  since: z.iso
    .datetime()
    .optional()
    .openapi({ param: { name: "since", in: "query" }, example: "2026-11-01T00:00:00Z" }),
  until: z.iso
    .datetime()
    .optional()
    .openapi({
      param: { name: "until", in: "query" },
      description: "Exclusive upper bound on created_at",
      example: "2026-12-01T00:00:00Z",
    }),
  action: z
    .string()
    .max(100)
    .optional()
    .openapi({ param: { name: "action", in: "query" }, example: "rollout.created" }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/audit-logs/export",
  tags: ["Audit"],
  summary: "Download every matching audit entry (CSV or JSON), oldest first",
  description:
    "Streams all matching entries in chain order, without pagination. CSV has a header row and " +
    "RFC 4180 quoting; `diff` is the entry's JSON. JSON is one array of AuditEntry objects.",
  security: operatorSecurity("audit:read"),
  middleware: [requireScope("audit:read")] as const,
  request: { params: projectParam, query },
  responses: {
    200: {
      description: "The entries, as an attachment",
      content: {
        "text/csv": { schema: z.string() },
        "application/json": { schema: z.array(z.record(z.string(), z.unknown())) },
      },
    },
    ...operatorErrors,
  },
});

/** One CSV field: quoted when it contains a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | null): string {
  if (value === null) {
    return "";
  }
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(values: Array<string | number | null>): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

/** GET /api/v1/projects/{project}/audit-logs/export */
export const registerExportAuditLogs = (app: App) =>
  app.openapi(route, (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { format, since, until, action } = c.req.valid("query");
    const filters: SQL[] = [eq(auditLogs.chain, project.id)];
    if (since) {
      filters.push(gte(auditLogs.createdAt, Date.parse(since)));
    }
    if (until) {
      filters.push(lt(auditLogs.createdAt, Date.parse(until)));
    }
    if (action) {
      filters.push(eq(auditLogs.action, action));
    }
    const pages = readPages(db, filters);
    const encoder = new TextEncoder();
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(format === "csv" ? csvRow([...CSV_COLUMNS]) : "["));
      },
      // Pulls one page per read, so a slow client never makes us buffer the whole log.
      async pull(controller) {
        const next = await pages.next();
        if (next.done) {
          controller.enqueue(encoder.encode(format === "csv" ? "" : "]\n"));
          controller.close();
          return;
        }
        let chunk = "";
        for (const row of next.value) {
          const e = toAuditEntry(row);
          if (format === "csv") {
            chunk += csvRow([
              e.seq,
              e.id,
              e.created_at,
              e.actor_type,
              e.actor_id,
              e.action,
              e.resource_type,
              e.resource_id,
              e.request_id,
              e.diff === null ? null : JSON.stringify(e.diff),
              e.prev_hash,
              e.hash,
            ]);
          } else {
            chunk += `${first ? "\n" : ",\n"}${JSON.stringify(e)}`;
            first = false;
          }
        }
        controller.enqueue(encoder.encode(chunk));
      },
    });
    const date = new Date(c.get("services").clock.now()).toISOString().slice(0, 10);
    return new Response(body, {
      status: 200,
      headers: {
        "Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/json",
        "Content-Disposition": `attachment; filename="audit-${project.slug}-${date}.${format}"`,
        "Cache-Control": "no-store",
      },
    });
  });

/** Matching rows in chain order, one page at a time (keyset pagination on seq). */
async function* readPages(
  db: Db,
  filters: SQL[],
): AsyncGenerator<Array<typeof auditLogs.$inferSelect>> {
  let afterSeq = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLogs)
      .where(and(...filters, gt(auditLogs.seq, afterSeq)))
      .orderBy(asc(auditLogs.seq))
      .limit(EXPORT_PAGE_SIZE);
    if (rows.length > 0) {
      yield rows;
    }
    const last = rows[rows.length - 1];
    if (rows.length < EXPORT_PAGE_SIZE || last === undefined) {
      return;
    }
    afterSeq = last.seq;
  }
}
