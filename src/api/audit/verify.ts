import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, lte } from "drizzle-orm";
import { timingSafeEqual } from "../../auth/crypto";
import { auditLogs } from "../../db/schema";
import type { ChainState } from "../../rpc/project-hub";
import type { Services } from "../../services";
import { GENESIS_HASH } from "../../services/audit-chain";
import { type ChainPoint, chainBreak } from "../../services/audit-verify";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";

/** Rows read per D1 query while walking the chain. */
const VERIFY_PAGE_SIZE = 500;

/** Result of verifying an audit chain. */
export const verificationSchema = z
  .object({
    valid: z.boolean(),
    checked: z.number().int(),
    first_invalid_id: z.string().nullable(),
    first_invalid_seq: z.number().int().nullable().openapi({
      description: "For truncation: the first missing seq",
    }),
    reason: z.string().nullable(),
    pruned_through_seq: z.number().int().nullable().openapi({
      description: "Retention anchor: entries up to this seq were pruned; checking starts after it",
    }),
    head_seq: z.number().int().nullable().openapi({
      description: "The last seq the project hub appended (null if it has no record)",
    }),
  })
  .openapi("AuditVerification");

type Verification = z.infer<typeof verificationSchema>;

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/audit-logs/verify",
  tags: ["Audit"],
  summary: "Recompute the project's audit hash chain",
  description:
    "Walks the chain in order from the oldest remaining entry (after the retention anchor), " +
    "recomputing every HMAC from the stored fields and checking sequence continuity and each " +
    "prev_hash link, then compares the last entry with the head the project hub recorded, so " +
    "deleting the newest entries is detected too. Names the first entry that fails.",
  security: operatorSecurity("audit:read"),
  middleware: [requireScope("audit:read")] as const,
  request: { params: projectParam },
  responses: {
    200: {
      description: "Verification result",
      content: { "application/json": { schema: verificationSchema } },
    },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/audit-logs/verify */
export const registerVerifyAuditLogs = (app: App) =>
  app.openapi(route, async (c) =>
    c.json(await verifyChain(c.get("services"), currentProject(c).id), 200),
  );

/**
 * Verifies one audit chain (a project id, or `org:<org id>`) against its hub's head and
 * retention anchor.
 */
export async function verifyChain(services: Services, chain: string): Promise<Verification> {
  const hub = services.hubs.get(services.hubs.idFromName(chain));
  const state = await hub.chainState(chain);
  const outcome = await walkChain(services, chain, state);
  if (!outcome.valid) {
    // Retention may have pruned (moved the anchor, deleted rows) while we walked: a gap at
    // the start is then expected. Re-check once from the new anchor before reporting.
    const later = await hub.chainState(chain);
    if ((later.anchor?.seq ?? 0) !== (state.anchor?.seq ?? 0)) {
      return walkChain(services, chain, later);
    }
  }
  return outcome;
}

/** Verifies `chain` from its anchor up to the hub's head (entries appended later are ignored). */
async function walkChain(
  services: Services,
  chain: string,
  state: ChainState,
): Promise<Verification> {
  const { db, config } = services;
  const summary = {
    pruned_through_seq: state.anchor?.seq ?? null,
    head_seq: state.head?.seq ?? null,
  };
  let at: ChainPoint = state.anchor ?? { seq: 0, hash: GENESIS_HASH };
  let checked = 0;
  const fail = (id: string | null, seq: number, reason: string): Verification => ({
    valid: false,
    checked,
    first_invalid_id: id,
    first_invalid_seq: seq,
    reason,
    ...summary,
  });
  for (;;) {
    const rows = await db
      .select()
      .from(auditLogs)
      .where(
        and(
          eq(auditLogs.chain, chain),
          gt(auditLogs.seq, at.seq),
          state.head ? lte(auditLogs.seq, state.head.seq) : undefined,
        ),
      )
      .orderBy(asc(auditLogs.seq))
      .limit(VERIFY_PAGE_SIZE);
    for (const r of rows) {
      const reason = await chainBreak(config.AUDIT_HMAC_KEY, at, r);
      if (reason !== null) {
        return fail(r.id, r.seq, reason);
      }
      at = { seq: r.seq, hash: r.hash };
      checked++;
    }
    if (rows.length < VERIFY_PAGE_SIZE) {
      break;
    }
  }
  const head = state.head;
  if (head && at.seq < head.seq) {
    return fail(
      null,
      at.seq + 1,
      `truncated: the hub appended up to seq ${head.seq} but the last stored entry is seq ${at.seq}`,
    );
  }
  if (head && !timingSafeEqual(at.hash, head.hash)) {
    return fail(null, head.seq, "the last entry's hash differs from the head the hub recorded");
  }
  return {
    valid: true,
    checked,
    first_invalid_id: null,
    first_invalid_seq: null,
    reason: null,
    ...summary,
  };
}
