/**
 * Queries of the bundle aggregate. Status transitions are compare-and-set statements (D1 has no
 * interactive transactions), so concurrent requests and queue redeliveries cannot overwrite each
 * other:
 *
 *   (new) → pending → compiling → compiled → revoked
 *                          └────→ failed ──(resubmitted)──→ pending
 *
 * `compile_attempts` doubles as a fencing token: a compile attempt may only record its result if
 * no later attempt has claimed the bundle since.
 */
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import type { BundleRow, Db } from "../services";
import { bundles } from "./schema";

/** How often a sequence number is re-drawn when a concurrent insert took it. */
const SEQUENCE_RETRIES = 8;

const SEQUENCE_CONFLICT = /UNIQUE constraint failed: bundles\.project_id, bundles\.sequence/;

/** The R2 key of a bundle archive (bundle-format.md). */
export function bundleStorageKey(projectId: string, bundleId: string): string {
  return `bundles/${projectId}/${bundleId}.tar.zst`;
}

/**
 * Why a garbage-collected bundle is gone, for its 410 answers: when, the reason GC recorded,
 * and how to get it back. Null for a bundle that was not collected.
 */
export function collectedMessage(
  b: Pick<BundleRow, "id" | "deletedAt" | "gcReason">,
): string | null {
  if (b.deletedAt === null) {
    return null;
  }
  const reason = b.gcReason ?? "it was no longer retained";
  return `Bundle ${b.id} was garbage-collected at ${new Date(b.deletedAt).toISOString()} (${reason}); submit the same configuration again to rebuild it`;
}

/** A bundle of a project (soft-deleted bundles included; callers decide what they mean). */
export async function findBundle(
  db: Db,
  projectId: string,
  bundleId: string,
): Promise<BundleRow | undefined> {
  return db.query.bundles.findFirst({
    where: and(eq(bundles.projectId, projectId), eq(bundles.id, bundleId)),
  });
}

/**
 * The compiled bundle with the highest sequence below `beforeSequence`: the risk/diff baseline.
 * Garbage-collected bundles are not baselines (their tombstones no longer hold the files).
 */
export async function previousCompiled(
  db: Db,
  projectId: string,
  beforeSequence: number,
): Promise<BundleRow | undefined> {
  return db.query.bundles.findFirst({
    where: and(
      eq(bundles.projectId, projectId),
      eq(bundles.status, "compiled"),
      lt(bundles.sequence, beforeSequence),
      isNull(bundles.deletedAt),
    ),
    orderBy: desc(bundles.sequence),
  });
}

/** Fields of a new submission. */
export interface NewBundle {
  id: string;
  projectId: string;
  /** Null: "v<sequence>". */
  version: string | null;
  files: Record<string, string>;
  sourceType: "api" | "git" | "ui" | "model";
  sourceRef: string | null;
  createdBy: string;
  createdAt: number;
}

/** Sequence and version a pending bundle got. */
export interface Numbered {
  sequence: number;
  version: string;
}

/** Runs `attempt`, re-running it while it loses the per-project sequence race. */
async function withSequenceRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= SEQUENCE_RETRIES || !SEQUENCE_CONFLICT.test(String(err))) {
        throw err;
      }
    }
  }
}

/** SQL for the next sequence of the project bound at that position. */
const NEXT_SEQUENCE = "(SELECT COALESCE(MAX(sequence), 0) + 1 FROM bundles WHERE project_id = ?)";

/**
 * Inserts a `pending` bundle with the project's next sequence, computed inside the INSERT so two
 * concurrent submissions cannot both take it: the loser hits the unique (project_id, sequence)
 * index and draws again. Returns null when a bundle with this id already exists (same content
 * submitted concurrently): callers re-read it.
 */
export async function insertPendingBundle(d1: D1Database, b: NewBundle): Promise<Numbered | null> {
  return withSequenceRetry(async () => {
    // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint.
    const row = await d1
      .prepare(
        `INSERT INTO bundles (id, project_id, sequence, version, status, files, source_type,
           source_ref, created_by, created_at, last_submitted_at)
         SELECT ?, ?, seq, COALESCE(?, 'v' || seq), 'pending', ?, ?, ?, ?, ?, ?
         FROM (SELECT ${NEXT_SEQUENCE} AS seq) WHERE true
         ON CONFLICT (id) DO NOTHING
         RETURNING sequence, version`,
      )
      .bind(
        b.id,
        b.projectId,
        b.version,
        JSON.stringify(b.files),
        b.sourceType,
        b.sourceRef,
        b.createdBy,
        b.createdAt,
        b.createdAt,
        b.projectId,
      )
      .first<Numbered>();
    return row ?? null;
  });
}

/**
 * Puts a `failed` (or garbage-collected, never revoked) bundle back to `pending` for a new
 * compile, as a new submission: next sequence, the new version label, source and files (a
 * tombstone no longer holds them), attempts and outputs reset.
 *
 * A collected bundle whose archive deletion is still pending (`storage_key` set) is not
 * resubmitted: its recompiled archive would land at the same content-addressed key that GC is
 * about to delete. Returns null when the bundle was not in a resubmittable state (a concurrent
 * resubmission won, or GC has not finished with it).
 */
export async function resubmitBundle(
  d1: D1Database,
  b: Omit<NewBundle, "createdAt">,
  now: number,
): Promise<Numbered | null> {
  return withSequenceRetry(async () => {
    const row = await d1
      .prepare(
        `UPDATE bundles SET status = 'pending', sequence = seq.n,
           version = COALESCE(?, 'v' || seq.n), source_type = ?, source_ref = ?, created_by = ?,
           files = ?, compile_attempts = 0, compiler_output = NULL, compile_duration_ms = NULL,
           deleted_at = NULL, gc_reason = NULL, last_submitted_at = ?
         FROM (SELECT ${NEXT_SEQUENCE} AS n) AS seq
         WHERE id = ? AND project_id = ? AND status <> 'revoked'
           AND (status = 'failed' OR deleted_at IS NOT NULL)
           AND (deleted_at IS NULL OR storage_key IS NULL)
         RETURNING sequence, version`,
      )
      .bind(
        b.version,
        b.sourceType,
        b.sourceRef,
        b.createdBy,
        JSON.stringify(b.files),
        now,
        b.projectId,
        b.id,
        b.projectId,
      )
      .first<Numbered>();
    return row ?? null;
  });
}

/**
 * Records that existing content was submitted again, which restarts GC's grace period. Only a
 * live (not collected) bundle is touched, in one statement, so GC either collected the bundle
 * before (false: the caller treats it as collected) or sees the new time and keeps it.
 */
export async function touchSubmission(
  d1: D1Database,
  projectId: string,
  bundleId: string,
  now: number,
): Promise<boolean> {
  const row = await d1
    .prepare(
      `UPDATE bundles SET last_submitted_at = MAX(COALESCE(last_submitted_at, 0), ?)
       WHERE id = ? AND project_id = ? AND deleted_at IS NULL
       RETURNING id`,
    )
    .bind(now, bundleId, projectId)
    .first<{ id: string }>();
  return row !== null;
}

/**
 * Claims a bundle for a compile attempt: pending|compiling → compiling, attempts + 1. Returns the
 * attempt number (the fencing token), or null when the bundle is missing or in another state.
 */
export async function claimForCompile(d1: D1Database, bundleId: string): Promise<number | null> {
  const row = await d1
    .prepare(
      `UPDATE bundles SET status = 'compiling', compile_attempts = compile_attempts + 1
       WHERE id = ? AND status IN ('pending', 'compiling') AND deleted_at IS NULL
       RETURNING compile_attempts`,
    )
    .bind(bundleId)
    .first<{ compile_attempts: number }>();
  return row?.compile_attempts ?? null;
}

/** The result of a successful compile. */
export interface CompiledFields {
  checksum: string;
  sizeBytes: number;
  signature: string;
  signingKeyId: string;
  manifest: Record<string, unknown>;
  risk: "low" | "medium" | "high";
  riskReasons: string[];
  compilerOutput: string;
  diagnostics: unknown[];
  storageKey: string;
  compileDurationMs: number;
  compiledAt: number;
}

/**
 * Ends a compile attempt: compiling → `status`, only for the attempt that still holds the claim
 * (compile_attempts is the fencing token), so a stale attempt never overwrites a newer result.
 */
async function finishAttempt(
  db: Db,
  bundleId: string,
  attempt: number,
  set: Partial<typeof bundles.$inferInsert> & { status: "compiled" | "failed" },
): Promise<boolean> {
  const rows = await db
    .update(bundles)
    .set(set)
    .where(
      and(
        eq(bundles.id, bundleId),
        eq(bundles.status, "compiling"),
        eq(bundles.compileAttempts, attempt),
      ),
    )
    .returning({ id: bundles.id });
  return rows.length > 0;
}

/** compiling → compiled, only for the attempt that still holds the claim. */
export function markCompiled(
  db: Db,
  bundleId: string,
  attempt: number,
  fields: CompiledFields,
): Promise<boolean> {
  return finishAttempt(db, bundleId, attempt, { status: "compiled", ...fields });
}

/** compiling → failed, only for the attempt that still holds the claim. */
export function markFailed(
  db: Db,
  bundleId: string,
  attempt: number,
  fields: { compilerOutput: string; diagnostics: unknown[]; compileDurationMs: number },
): Promise<boolean> {
  return finishAttempt(db, bundleId, attempt, { status: "failed", ...fields });
}

/** Records why an attempt will be retried, without changing the status (for the DLQ message). */
export async function noteAttemptError(
  db: Db,
  bundleId: string,
  attempt: number,
  message: string,
): Promise<void> {
  await db
    .update(bundles)
    .set({ compilerOutput: message })
    .where(
      and(
        eq(bundles.id, bundleId),
        eq(bundles.status, "compiling"),
        eq(bundles.compileAttempts, attempt),
      ),
    );
}

/**
 * pending|compiling → failed after the queue gave up (dead-letter consumer). Returns the row as
 * it was before, or null when it was no longer in flight.
 */
export async function giveUpCompile(
  db: Db,
  bundleId: string,
  compilerOutput: (row: BundleRow) => string,
): Promise<BundleRow | null> {
  const row = await db.query.bundles.findFirst({ where: eq(bundles.id, bundleId) });
  if (!row || (row.status !== "pending" && row.status !== "compiling")) {
    return null;
  }
  const updated = await db
    .update(bundles)
    .set({ status: "failed", compilerOutput: compilerOutput(row) })
    .where(
      and(
        eq(bundles.id, bundleId),
        eq(bundles.status, row.status),
        eq(bundles.compileAttempts, row.compileAttempts),
      ),
    )
    .returning({ id: bundles.id });
  return updated.length > 0 ? row : null;
}

/** compiled → revoked. Returns the updated row, or null when the bundle was not compiled. */
export async function revokeBundle(
  db: Db,
  projectId: string,
  bundleId: string,
  now: number,
): Promise<BundleRow | null> {
  const rows = await db
    .update(bundles)
    .set({ status: "revoked", revokedAt: now })
    .where(
      and(
        eq(bundles.projectId, projectId),
        eq(bundles.id, bundleId),
        eq(bundles.status, "compiled"),
      ),
    )
    .returning();
  return rows[0] ?? null;
}
