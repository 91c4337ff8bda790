/**
 * Dead-letter consumer of the compile queue: a message lands here after the compile consumer
 * retried it `max_retries` times. The bundle must not stay `pending`/`compiling` forever (no
 * silent stalls), so it is marked `failed` with the last attempt's error and `bundle.failed` is
 * emitted. Operators resubmit the same content to try again.
 */

import { eq } from "drizzle-orm";
import { giveUpCompile } from "../db/bundles";
import { projects } from "../db/schema";
import type { CompileJob, Env } from "../env";
import { createServices, type Services } from "../services";
import { COMPILER_ACTOR, parseCompileJob } from "./compile";
import { registerQueueHandler } from "./queue";

/** Marks the job's bundle failed if it is still in flight; returns whether it did. */
export async function giveUp(services: Services, job: CompileJob): Promise<boolean> {
  const before = await giveUpCompile(services.db, job.bundleId, (row) => {
    const last = row.compilerOutput ? `: ${row.compilerOutput}` : "";
    return `gave up after ${row.compileAttempts} attempt${row.compileAttempts === 1 ? "" : "s"}${last}`;
  });
  if (!before) {
    return false;
  }
  const project = await services.db.query.projects.findFirst({
    where: eq(projects.id, before.projectId),
  });
  if (!project) {
    return true;
  }
  const reason = `compile queue gave up after ${before.compileAttempts} attempts`;
  await services.audit.record(
    {
      orgId: project.orgId,
      projectId: before.projectId,
      actor: COMPILER_ACTOR,
      action: "bundle.failed",
      resourceType: "bundle",
      resourceId: before.id,
      diff: { before: { status: before.status }, after: { status: "failed", reason } },
      requestId: job.requestId ?? null,
    },
    [
      {
        projectId: before.projectId,
        type: "bundle.failed",
        severity: "warning",
        resourceType: "bundle",
        resourceId: before.id,
        payload: { bundle_id: before.id, version: before.version, reason },
      },
    ],
  );
  return true;
}

/** The "-compile-dlq" consumer. */
export async function handleCompileDeadLetters(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const job = parseCompileJob(message.body);
      const services = createServices(env, ctx, job?.requestId ?? `queue_${message.id}`);
      if (!job) {
        services.logger.error("dropping malformed dead-lettered compile job", {
          message_id: message.id,
        });
        message.ack();
        return;
      }
      try {
        const marked = await giveUp(services, job);
        services.logger.warn("compile job dead-lettered", { bundle_id: job.bundleId, marked });
        message.ack();
      } catch (err) {
        services.logger.error("dead-letter handling failed; retrying", {
          bundle_id: job.bundleId,
          error: err instanceof Error ? err.message : String(err),
        });
        message.retry();
      }
    }),
  );
}

registerQueueHandler("-compile-dlq", handleCompileDeadLetters);
