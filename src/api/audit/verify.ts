import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { timingSafeEqual } from "../../auth/crypto";
import { auditLogs } from "../../db/schema";
import { entryHash, GENESIS_HASH } from "../../services/audit-chain";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { currentProject } from "../tenant";

/** Rows read per D1 query while walking the chain. */
const VERIFY_PAGE_SIZE = 500;

const result = z
  .object({
    valid: z.boolean(),
    checked: z.number().int(),
    first_invalid_id: z.string().nullable(),
    first_invalid_seq: z.number().int().nullable(),
    reason: z.string().nullable(),
  })
  .openapi("AuditVerification");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/audit-logs/verify",
  tags: ["Audit"],
  summary: "Recompute the project's audit hash chain",
  description:
    "Walks the chain in order, recomputing every HMAC from the stored fields and checking sequence continuity and each prev_hash link. Names the first entry that fails.",
  security: [{ bearerAuth: [] }],
  middleware: [requireScope("audit:read")] as const,
  request: { params: projectParam },
  responses: {
    200: {
      description: "Verification result",
      content: { "application/json": { schema: result } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/audit-logs/verify */
export const registerVerifyAuditLogs = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, config } = c.get("services");
    const project = currentProject(c);
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let checked = 0;
    for (;;) {
      const rows = await db
        .select()
        .from(auditLogs)
        .where(and(eq(auditLogs.chain, project.id), gt(auditLogs.seq, expectedSeq - 1)))
        .orderBy(asc(auditLogs.seq))
        .limit(VERIFY_PAGE_SIZE);
      for (const r of rows) {
        const fail = (reason: string) =>
          c.json(
            { valid: false, checked, first_invalid_id: r.id, first_invalid_seq: r.seq, reason },
            200,
          );
        if (r.seq !== expectedSeq) {
          return fail(`sequence gap: expected ${expectedSeq}, found ${r.seq}`);
        }
        if (!timingSafeEqual(r.prevHash, prevHash)) {
          return fail("prev_hash does not link to the previous entry");
        }
        const recomputed = await entryHash(config.AUDIT_HMAC_KEY, prevHash, r);
        if (!timingSafeEqual(recomputed, r.hash)) {
          return fail("hash does not match the entry's content");
        }
        prevHash = r.hash;
        expectedSeq++;
        checked++;
      }
      if (rows.length < VERIFY_PAGE_SIZE) {
        return c.json(
          { valid: true, checked, first_invalid_id: null, first_invalid_seq: null, reason: null },
          200,
        );
      }
    }
  });
