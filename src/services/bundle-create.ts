/**
 * Bundle submission as a service: the semantics of POST /api/v1/projects/{project}/bundles
 * without HTTP. That route and the GitHub webhook both call {@link submitBundle}.
 *
 * Validate at once; new content →
 * pending row (next sequence) + compile job + `bundle.created`; failed or garbage-collected
 * content → resubmitted as a new submission (`bundle.resubmitted`); compiled → returned as is;
 * pending (never attempted) → compile job re-sent; compiling → returned; revoked → refused.
 * Every accepted submission restarts the bundle's GC grace period (`last_submitted_at`), in a
 * statement that fails if GC collected the bundle first: then the submission takes the
 * garbage-collected path instead, so an accepted bundle is never collected under its caller.
 */
import type { Actor } from "../auth/principal";
import { prepareBundle, submissionFiles } from "../bundles/pipeline";
import {
  findBundle,
  insertPendingBundle,
  type NewBundle,
  resubmitBundle,
  touchSubmission,
} from "../db/bundles";
import type { Diagnostic } from "../kdl/index";
import type { BundleRow, ProjectRow, Services } from "./index";

/** Read-write passes before giving up on a row that keeps changing under concurrent submitters. */
const SUBMIT_PASSES = 4;

/** What is submitted (the create route's body). */
export interface BundleSubmission {
  config: string;
  files?: Record<string, string>;
  version?: string;
  source?: { type: "api" | "git" | "model"; ref?: string };
}

/** The outcome; `status` is what the create route answers (202 queued, 200 already compiled). */
export type SubmitResult =
  | { kind: "accepted"; row: BundleRow; status: 200 | 202; warnings: Diagnostic[] }
  | { kind: "invalid"; errors: Diagnostic[] }
  | { kind: "revoked"; bundleId: string }
  /** GC is deleting this content's archive right now; retry after `retryAfterS`. */
  | { kind: "collecting"; bundleId: string; retryAfterS: number }
  | { kind: "contended" };

/**
 * GC deletes a collected archive within the same cron run (seconds), or retries it on the next
 * run (every minute) if storage failed.
 */
export const COLLECTING_RETRY_AFTER_S = 5;

type Deps = Pick<Services, "db" | "d1" | "clock" | "audit" | "compileQueue" | "requestId">;

async function enqueueCompile(services: Deps, row: Pick<BundleRow, "id" | "projectId">) {
  await services.compileQueue.send({
    bundleId: row.id,
    projectId: row.projectId,
    requestId: services.requestId,
  });
}

async function recordSubmission(
  services: Deps,
  project: ProjectRow,
  actor: Actor,
  row: BundleRow,
  action: "bundle.created" | "bundle.resubmitted",
) {
  const after = {
    bundle_id: row.id,
    sequence: row.sequence,
    version: row.version,
    source: { type: row.sourceType, ref: row.sourceRef },
    files: Object.keys(row.files).sort(),
  };
  await services.audit.record(
    {
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action,
      resourceType: "bundle",
      resourceId: row.id,
      diff: { after },
      requestId: services.requestId,
    },
    [
      {
        projectId: project.id,
        type: action,
        resourceType: "bundle",
        resourceId: row.id,
        payload: { bundle_id: row.id, sequence: row.sequence, version: row.version },
      },
    ],
  );
}

/** Validates and submits a configuration for `project` on behalf of `actor`. */
export async function submitBundle(
  services: Deps,
  project: ProjectRow,
  actor: Actor,
  input: BundleSubmission,
): Promise<SubmitResult> {
  const prepared = await prepareBundle(project.id, submissionFiles(input.config, input.files));
  if (!prepared.ok) {
    return { kind: "invalid", errors: prepared.errors };
  }
  const fields: Omit<NewBundle, "createdAt"> = {
    id: prepared.bundleId,
    projectId: project.id,
    version: input.version ?? null,
    sourceType: input.source?.type ?? "api",
    sourceRef: input.source?.ref ?? null,
    createdBy: `${actor.type}:${actor.id}`,
    files: prepared.files,
  };
  const reread = async () => {
    const row = await findBundle(services.db, project.id, prepared.bundleId);
    if (!row) {
      throw new Error(`bundle ${prepared.bundleId} vanished after it was written`);
    }
    return row;
  };
  const accepted = (row: BundleRow, status: 200 | 202): SubmitResult => ({
    kind: "accepted",
    row,
    status,
    warnings: prepared.warnings,
  });
  for (let pass = 0; pass < SUBMIT_PASSES; pass++) {
    const existing = await findBundle(services.db, project.id, prepared.bundleId);
    if (!existing) {
      const numbered = await insertPendingBundle(services.d1, {
        ...fields,
        createdAt: services.clock.now(),
      });
      if (numbered === null) {
        continue; // the same content was inserted concurrently: answer from its row
      }
      const row = await reread();
      await enqueueCompile(services, row);
      await recordSubmission(services, project, actor, row, "bundle.created");
      return accepted(row, 202);
    }
    if (existing.status === "revoked") {
      return { kind: "revoked", bundleId: existing.id };
    }
    if (existing.deletedAt !== null && existing.storageKey !== null) {
      return {
        kind: "collecting",
        bundleId: existing.id,
        retryAfterS: COLLECTING_RETRY_AFTER_S,
      };
    }
    if (existing.deletedAt !== null || existing.status === "failed") {
      if ((await resubmitBundle(services.d1, fields, services.clock.now())) === null) {
        continue;
      }
      const row = await reread();
      await enqueueCompile(services, row);
      await recordSubmission(services, project, actor, row, "bundle.resubmitted");
      return accepted(row, 202);
    }
    if (!(await touchSubmission(services.d1, project.id, existing.id, services.clock.now()))) {
      continue; // collected since it was read: take the garbage-collected path
    }
    switch (existing.status) {
      case "compiled":
        return accepted(existing, 200);
      case "pending":
        // Never attempted: the compile job may have been lost; jobs are idempotent.
        if (existing.compileAttempts === 0) {
          await enqueueCompile(services, existing);
        }
        return accepted(existing, 202);
      case "compiling":
        return accepted(existing, 202);
    }
  }
  return { kind: "contended" };
}
