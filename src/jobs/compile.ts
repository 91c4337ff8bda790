/**
 * Compile-queue consumer: turns a `pending` bundle into a signed archive in R2, or marks it
 * `failed` with the validator's output.
 *
 * Per message: claim (pending|compiling → compiling, attempts + 1; compiled/revoked/failed are
 * acknowledged and skipped, so redelivery is harmless) → authoritative validation
 * (compile-validate.ts) → deterministic archive signed with the project's active key → upload to
 * R2 (skipped when the identical object is there) → risk against the previous compiled bundle →
 * one fenced UPDATE to `compiled` → audit + event. Anything transient (D1, R2, an unreachable
 * validator container) is retried with exponential backoff; after `max_retries` the message goes
 * to the dead-letter queue (compile-dlq.ts), which marks the bundle failed.
 */

import { eq } from "drizzle-orm";
import type { Actor } from "../auth/principal";
import { type BuiltBundle, BundleInputError } from "../bundles/archive";
import { buildPreparedBundle, type PreparedBundle, parseStoredConfig } from "../bundles/pipeline";
import {
  bundleStorageKey,
  claimForCompile,
  findBundle,
  markCompiled,
  markFailed,
  noteAttemptError,
  previousCompiled,
} from "../db/bundles";
import { projects } from "../db/schema";
import { assessRisk, type RiskAssessment } from "../domain/risk";
import type { CompileJob, Env } from "../env";
import { type BundleRow, createServices, type Services } from "../services";
import { validateForCompile } from "./compile-validate";
import { registerQueueHandler } from "./queue";

/** Upper bound of the retry delay. */
export const MAX_RETRY_DELAY_S = 300;
/** Backoff base: attempt n (1-based) is retried after 2^n × this, capped at MAX_RETRY_DELAY_S. */
export const BASE_RETRY_DELAY_S = 5;

/** The audit actor of queue-driven transitions. */
export const COMPILER_ACTOR: Actor = { type: "system", id: "compiler", label: "compile queue" };

/** What happened to one compile job; the queue handler acks everything but `retry`. */
export type CompileOutcome =
  | { kind: "compiled"; bundleId: string; durationMs: number }
  | { kind: "failed"; bundleId: string; reason: string }
  | { kind: "skipped"; bundleId: string; reason: string }
  | { kind: "retry"; bundleId: string; delaySeconds: number; reason: string };

/** Backoff for attempt `n` (1-based): 10 s, 20 s, 40 s, … capped at {@link MAX_RETRY_DELAY_S}. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(MAX_RETRY_DELAY_S, 2 ** attempt * BASE_RETRY_DELAY_S);
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Loads the bundle and its project's org (for audit), or null when either is gone. */
async function load(services: Services, job: CompileJob) {
  const bundle = await findBundle(services.db, job.projectId, job.bundleId);
  if (!bundle) {
    return null;
  }
  const project = await services.db.query.projects.findFirst({
    where: eq(projects.id, bundle.projectId),
  });
  return project ? { bundle, orgId: project.orgId } : null;
}

async function riskOf(services: Services, bundle: BundleRow, prepared: PreparedBundle) {
  const previous = await previousCompiled(services.db, bundle.projectId, bundle.sequence);
  const baseline = previous ? parseStoredConfig(previous.files) : null;
  const risk: RiskAssessment = assessRisk(baseline, prepared.model);
  if (previous && baseline === null) {
    // The baseline no longer validates (validator upgraded): say so instead of guessing.
    risk.reasons.push(`previous bundle ${previous.id} no longer parses; compared with nothing`);
  }
  return risk;
}

/** Uploads the archive unless an identical object (same SHA-256 and size) is already stored. */
async function upload(services: Services, key: string, built: BuiltBundle): Promise<void> {
  const existing = await services.bundleStore.head(key);
  if (existing?.customMetadata?.sha256 === built.checksum && existing.size === built.sizeBytes) {
    return;
  }
  await services.bundleStore.put(key, built.archive, {
    sha256: built.checksum,
    httpMetadata: { contentType: "application/zstd" },
    customMetadata: { sha256: built.checksum, bundle_id: built.bundleId, kid: built.kid },
  });
}

type Claimed = { bundle: BundleRow; orgId: string; attempt: number; startedAt: number };

async function fail(
  services: Services,
  c: Claimed,
  reason: string,
  output: string,
  diagnostics: unknown[],
  requestId: string | null,
): Promise<CompileOutcome> {
  const durationMs = services.clock.now() - c.startedAt;
  const won = await markFailed(services.db, c.bundle.id, c.attempt, {
    compilerOutput: output,
    diagnostics,
    compileDurationMs: durationMs,
  });
  if (!won) {
    return { kind: "skipped", bundleId: c.bundle.id, reason: "a later attempt owns the bundle" };
  }
  await services.audit.record(
    {
      orgId: c.orgId,
      projectId: c.bundle.projectId,
      actor: COMPILER_ACTOR,
      action: "bundle.failed",
      resourceType: "bundle",
      resourceId: c.bundle.id,
      diff: { after: { status: "failed", reason } },
      requestId,
    },
    [
      {
        projectId: c.bundle.projectId,
        type: "bundle.failed",
        severity: "warning",
        resourceType: "bundle",
        resourceId: c.bundle.id,
        payload: { bundle_id: c.bundle.id, version: c.bundle.version, reason },
      },
    ],
  );
  return { kind: "failed", bundleId: c.bundle.id, reason };
}

async function finish(
  services: Services,
  c: Claimed,
  prepared: PreparedBundle,
  output: string,
  requestId: string | null,
): Promise<CompileOutcome> {
  const { bundle } = c;
  const key = await services.signingKeys.active(bundle.projectId);
  const built = await buildPreparedBundle(bundle.projectId, prepared, {
    kid: key.kid,
    privateKey: key.privateKey,
  });
  if (built.bundleId !== bundle.id) {
    // Only possible when the validator changed between submission and compile (its model feeds
    // the SBOM, which the id covers). The id must stay the digest, so this content needs a new
    // submission rather than a silently different archive.
    const reason = `content digest changed since submission (now ${built.bundleId}); resubmit the configuration`;
    return fail(services, c, reason, `${output}\n${reason}`, prepared.warnings, requestId);
  }
  const storageKey = bundleStorageKey(bundle.projectId, bundle.id);
  await upload(services, storageKey, built);
  const risk = await riskOf(services, bundle, prepared);
  const now = services.clock.now();
  const durationMs = now - c.startedAt;
  const won = await markCompiled(services.db, bundle.id, c.attempt, {
    checksum: built.checksum,
    sizeBytes: built.sizeBytes,
    signature: built.signature,
    signingKeyId: built.kid,
    manifest: built.manifest,
    risk: risk.level,
    riskReasons: risk.reasons,
    compilerOutput: output,
    diagnostics: prepared.warnings,
    storageKey,
    compileDurationMs: durationMs,
    compiledAt: now,
  });
  if (!won) {
    return { kind: "skipped", bundleId: bundle.id, reason: "a later attempt owns the bundle" };
  }
  const summary = {
    bundle_id: bundle.id,
    version: bundle.version,
    sequence: bundle.sequence,
    checksum: built.checksum,
    size_bytes: built.sizeBytes,
    signing_key_id: built.kid,
    risk: risk.level,
    risk_reasons: risk.reasons,
  };
  await services.audit.record(
    {
      orgId: c.orgId,
      projectId: bundle.projectId,
      actor: COMPILER_ACTOR,
      action: "bundle.compiled",
      resourceType: "bundle",
      resourceId: bundle.id,
      diff: { after: { status: "compiled", ...summary } },
      requestId,
    },
    [
      {
        projectId: bundle.projectId,
        type: "bundle.compiled",
        severity: risk.level === "high" ? "warning" : "info",
        resourceType: "bundle",
        resourceId: bundle.id,
        payload: summary,
      },
    ],
  );
  return { kind: "compiled", bundleId: bundle.id, durationMs };
}

/**
 * Compiles one bundle. Never throws for expected conditions: the outcome says whether the queue
 * should acknowledge (`compiled`, `failed`, `skipped`) or retry the message after `delaySeconds`.
 */
export async function compileBundle(services: Services, job: CompileJob): Promise<CompileOutcome> {
  const startedAt = services.clock.now();
  const requestId = job.requestId ?? null;
  const loaded = await load(services, job);
  if (!loaded) {
    return { kind: "skipped", bundleId: job.bundleId, reason: "bundle or project not found" };
  }
  if (loaded.bundle.status !== "pending" && loaded.bundle.status !== "compiling") {
    return { kind: "skipped", bundleId: job.bundleId, reason: `bundle is ${loaded.bundle.status}` };
  }
  const attempt = await claimForCompile(services.d1, job.bundleId);
  if (attempt === null) {
    return { kind: "skipped", bundleId: job.bundleId, reason: "bundle is no longer pending" };
  }
  const claimed: Claimed = { ...loaded, attempt, startedAt };
  try {
    const verdict = await validateForCompile(services, loaded.bundle);
    if (!verdict.ok) {
      return await fail(
        services,
        claimed,
        "configuration rejected",
        verdict.output,
        verdict.diagnostics,
        requestId,
      );
    }
    return await finish(services, claimed, verdict.prepared, verdict.output, requestId);
  } catch (err) {
    if (err instanceof BundleInputError) {
      return await fail(
        services,
        claimed,
        err.message,
        `cannot build the archive: ${err.message}`,
        [],
        requestId,
      );
    }
    const reason = `attempt ${attempt} failed: ${errorText(err)}`;
    services.logger.warn("compile attempt failed; retrying", { bundle_id: job.bundleId, reason });
    await noteAttemptError(services.db, job.bundleId, attempt, reason).catch(() => undefined);
    return {
      kind: "retry",
      bundleId: job.bundleId,
      delaySeconds: retryDelaySeconds(attempt),
      reason,
    };
  }
}

/** Accepts only well-formed jobs; anything else is a poison message to drop (and log). */
export function parseCompileJob(body: unknown): CompileJob | null {
  if (typeof body !== "object" || body === null) {
    return null;
  }
  const { bundleId, projectId, requestId } = body as Record<string, unknown>;
  if (typeof bundleId !== "string" || !/^[0-9a-f]{64}$/.test(bundleId)) {
    return null;
  }
  if (typeof projectId !== "string" || (requestId !== undefined && typeof requestId !== "string")) {
    return null;
  }
  return requestId === undefined ? { bundleId, projectId } : { bundleId, projectId, requestId };
}

/** The "-compile" queue consumer: the messages of a batch are independent and run concurrently. */
export async function handleCompileBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const job = parseCompileJob(message.body);
      const services = createServices(env, ctx, job?.requestId ?? `queue_${message.id}`);
      if (!job) {
        services.logger.error("dropping malformed compile job", { message_id: message.id });
        message.ack();
        return;
      }
      try {
        const outcome = await compileBundle(services, job);
        services.logger.info("compile job done", { ...outcome, attempts: message.attempts });
        if (outcome.kind === "retry") {
          message.retry({ delaySeconds: outcome.delaySeconds });
        } else {
          message.ack();
        }
      } catch (err) {
        // Failures before the claim (D1 unreachable) or while recording the outcome.
        services.logger.error("compile job crashed; retrying", {
          bundle_id: job.bundleId,
          error: errorText(err),
        });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

registerQueueHandler("-compile", handleCompileBatch);
