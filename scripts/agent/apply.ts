/**
 * What the agent does with a bundle offer (bundle-format.md, "What a node verifies before
 * activating"; api.md sequence rule):
 *
 *   quarantine check → sequence rule → download → verifyBundle (steps 1–5) → extract into a new
 *   version dir → optional `zentinel validate` (step 6) → report staged → atomic switch of `live`
 *   → reload → report activated → health check → report verified
 *
 * Any failure reports `failed` with the reason and quarantines the bundle id; a failure after the
 * switch first restores the last known good config. Transient trouble reaching the control plane
 * (a download that fails after retries) is not the bundle's fault: it is retried on the next poll.
 */
import { verifyBundle } from "../../src/bundles/verify";
import { type ApplyContext, type ApplyOutcome, fail, report } from "./apply-outcome";
import { describeFailure, runCommand, withConfigPath } from "./command";
import { ENTRY_FILE } from "./config-store";
import { describe, RequestError } from "./http";
import type { BundleOffer } from "./protocol";
import { waitHealthy } from "./proxy";
import { needsSecrets, pruneSecretFiles, writeSecretFiles } from "./secrets";
import type { BundleRecord } from "./state";

/**
 * Applies the rule of bundle-format.md: a quarantined id is not retried until the control plane
 * offers a different one. Offering something else therefore lifts every other quarantine entry.
 */
async function liftSupersededQuarantine(ctx: ApplyContext, bundleId: string): Promise<void> {
  const kept = ctx.runtime.quarantine.filter((q) => q.bundle_id === bundleId);
  if (kept.length !== ctx.runtime.quarantine.length) {
    ctx.runtime.quarantine = kept;
    await ctx.persist();
  }
}

/** Restores the last known good config after a failed switch; returns a note for the report. */
async function revert(ctx: ApplyContext, to: RevertTarget): Promise<string> {
  const previousVersion = to.version;
  try {
    await ctx.configs.switchTo(previousVersion);
  } catch (error) {
    ctx.log.error("revert impossible", { version: previousVersion, error: describe(error) });
    return `could not revert to ${previousVersion}: ${describe(error)}`;
  }
  ctx.runtime.active = to.active;
  ctx.runtime.previous = to.previous;
  await ctx.persist();
  const reload = await ctx.proxy.reload();
  // After the reload, so the next metrics interval starts with the new config loaded.
  await ctx.onLiveChanged();
  if (!reload.ok) {
    ctx.log.error("reload after revert failed", {
      version: previousVersion,
      reason: reload.reason,
    });
    return `reverted to ${previousVersion}, but its reload failed: ${reload.reason}`;
  }
  const health = await waitHealthy(() => ctx.proxy.health(), {
    ...ctx.healthWait,
    signal: ctx.signal,
  });
  ctx.log.warn("reverted to the last known good config", {
    version: previousVersion,
    healthy: health.ok,
    health: health.sample.detail,
  });
  ctx.event({
    event_type: "config_reload",
    severity: "warn",
    message: `reverted to ${previousVersion}`,
    metadata: { version: previousVersion, healthy: health.ok },
  });
  return health.ok
    ? `reverted to ${previousVersion}`
    : `reverted to ${previousVersion}, which is not healthy either (${health.sample.detail})`;
}

/** The live config to go back to when a switched bundle fails, and the state records with it. */
export interface RevertTarget {
  /** Version directory name (bundle id or `bootstrap`). */
  readonly version: string;
  readonly active: BundleRecord | null;
  readonly previous: BundleRecord | null;
}

type Step<T> = { ok: true; value: T } | { ok: false; outcome: ApplyOutcome };

/** Downloads and verifies; returns the files or a failure outcome. */
async function fetchVerified(
  ctx: ApplyContext,
  offer: BundleOffer,
  started: number,
): Promise<Step<Record<string, Uint8Array>>> {
  let archive: Uint8Array;
  try {
    archive = await ctx.client.download(offer, ctx.maxBundleBytes, ctx.signal);
  } catch (error) {
    if (ctx.signal?.aborted) {
      throw error;
    }
    // 404/410 (never assigned, revoked) and an oversized body are the bundle's problem; anything
    // else (network, 5xx after retries) says nothing about the bundle.
    if (
      error instanceof RequestError &&
      (error.kind === "too_large" ||
        (error.kind === "http" && error.status !== null && error.status < 500))
    ) {
      return {
        ok: false,
        outcome: await fail(ctx, offer.bundle_id, started, "download", error.message),
      };
    }
    ctx.log.warn("download failed; will retry on the next poll", {
      bundle_id: offer.bundle_id,
      error: describe(error),
    });
    return {
      ok: false,
      outcome: { kind: "deferred", bundleId: offer.bundle_id, reason: describe(error) },
    };
  }
  let publicKeys = ctx.trustedKeys;
  const kid = offer.signing_key_id;
  if (kid && !publicKeys.some((k) => k.kid === kid)) {
    // The project rotated its key since this node enrolled: learn the new public key from the
    // control plane (authenticated), then verify as usual. A kid still unknown fails below.
    try {
      publicKeys = await ctx.refreshTrustedKeys();
      ctx.log.info("signing keys refreshed", { kid, known: publicKeys.map((k) => k.kid) });
    } catch (err) {
      ctx.log.warn("could not refresh signing keys", { kid, error: describe(err) });
    }
  }
  const verified = await verifyBundle({
    archive,
    expectedChecksum: offer.checksum,
    bundleId: offer.bundle_id,
    publicKeys,
  });
  if (!verified.ok) {
    return {
      ok: false,
      outcome: await fail(ctx, offer.bundle_id, started, verified.step, verified.reason),
    };
  }
  if (verified.manifest.entrypoint !== ENTRY_FILE || verified.files[ENTRY_FILE] === undefined) {
    const reason = `entrypoint ${verified.manifest.entrypoint} is not ${ENTRY_FILE}`;
    return { ok: false, outcome: await fail(ctx, offer.bundle_id, started, "files", reason) };
  }
  return { ok: true, value: verified.files };
}

/**
 * Writes the secret files a model-compiled bundle references (see secrets.ts) before the
 * config is staged and switched. A control plane that does not know the route (404) or a
 * reference deleted since the compile fails the bundle; network trouble defers it.
 */
async function fetchSecrets(
  ctx: ApplyContext,
  offer: BundleOffer,
  entry: Uint8Array | undefined,
  started: number,
): Promise<Step<string[]>> {
  if (!needsSecrets(entry)) {
    return { ok: true, value: [] };
  }
  try {
    const body = await ctx.client.secrets(offer.bundle_id, ctx.signal);
    if (body.missing.length > 0) {
      const reason = `referenced secrets no longer exist: ${body.missing.join(", ")}`;
      return { ok: false, outcome: await fail(ctx, offer.bundle_id, started, "secrets", reason) };
    }
    const written = await writeSecretFiles(ctx.secretsDir, body.files);
    ctx.log.info("secrets written", { bundle_id: offer.bundle_id, files: written.length });
    return { ok: true, value: written };
  } catch (error) {
    if (ctx.signal?.aborted) {
      throw error;
    }
    if (
      error instanceof RequestError &&
      error.kind === "http" &&
      error.status !== null &&
      error.status < 500
    ) {
      return {
        ok: false,
        outcome: await fail(ctx, offer.bundle_id, started, "secrets", error.message),
      };
    }
    if (!(error instanceof RequestError)) {
      return {
        ok: false,
        outcome: await fail(ctx, offer.bundle_id, started, "secrets", describe(error)),
      };
    }
    ctx.log.warn("secrets fetch failed; will retry on the next poll", { error: describe(error) });
    return {
      ok: false,
      outcome: { kind: "deferred", bundleId: offer.bundle_id, reason: describe(error) },
    };
  }
}

/** Steps 1–6 and staging: returns the staged directory and the secret files written, or a failure outcome. */
async function stage(
  ctx: ApplyContext,
  offer: BundleOffer,
  started: number,
): Promise<Step<{ dir: string; secrets: string[] }>> {
  const files = await fetchVerified(ctx, offer, started);
  if (!files.ok) {
    return files;
  }
  const secrets = await fetchSecrets(ctx, offer, files.value[ENTRY_FILE], started);
  if (!secrets.ok) {
    return secrets;
  }
  let dir: string;
  try {
    dir = await ctx.configs.stage(offer.bundle_id, files.value);
  } catch (error) {
    return {
      ok: false,
      outcome: await fail(ctx, offer.bundle_id, started, "stage", describe(error)),
    };
  }
  if (ctx.validateArgv !== undefined) {
    const configPath = `${dir}/${ENTRY_FILE}`;
    const argv = withConfigPath(ctx.validateArgv, configPath);
    const result = await runCommand(argv, {
      timeoutMs: ctx.validateTimeoutMs,
      env: { ...process.env, ZENTINEL_CONFIG: configPath },
    });
    if (!result.ok) {
      const reason = describeFailure(argv, result);
      const outcome = await fail(
        ctx,
        offer.bundle_id,
        started,
        "validate",
        reason,
        `${result.stdout}${result.stderr}`,
      );
      return { ok: false, outcome };
    }
    ctx.log.info("staged config validated", { bundle_id: offer.bundle_id, command: argv[0] });
  }
  return { ok: true, value: { dir, secrets: secrets.value } };
}

/** Handles one offer end to end. Never throws for bundle problems; throws only on abort. */
export async function applyOffer(ctx: ApplyContext, offer: BundleOffer): Promise<ApplyOutcome> {
  const started = ctx.now();
  const id = offer.bundle_id;
  const log = ctx.log.child({
    bundle_id: id,
    sequence: offer.sequence,
    rollout_id: offer.rollout_id,
  });
  const active = ctx.runtime.active;
  if (active?.bundle_id === id && (await ctx.configs.liveVersion()) === id) {
    await report(ctx, id, "activated", {});
    if (active.verified) {
      await report(ctx, id, "verified", {});
    }
    return { kind: "already_active", bundleId: id };
  }
  const quarantined = ctx.runtime.quarantine.find((q) => q.bundle_id === id);
  if (quarantined !== undefined) {
    if (!quarantined.reported) {
      quarantined.reported = await report(ctx, id, "failed", { error: quarantined.reason });
      await ctx.persist();
    }
    return { kind: "quarantined", bundleId: id };
  }
  await liftSupersededQuarantine(ctx, id);
  if (
    active !== null &&
    active.sequence !== null &&
    offer.sequence < active.sequence &&
    offer.rollback !== true
  ) {
    const reason = `offered sequence ${offer.sequence} is lower than the running bundle's ${active.sequence} and the offer is not a rollback`;
    return fail(ctx, id, started, "sequence", reason);
  }
  log.info("applying bundle", { version: offer.version, rollback: offer.rollback === true });
  const staged = await stage(ctx, offer, started);
  if (!staged.ok) {
    return staged.outcome;
  }
  await report(ctx, id, "staged", { duration_ms: Math.round(ctx.now() - started) });

  const revertTo: RevertTarget = {
    version: await ctx.configs.liveVersion(),
    active: ctx.runtime.active,
    previous: ctx.runtime.previous,
  };
  await ctx.configs.switchTo(id);
  ctx.runtime.previous = revertTo.active;
  ctx.runtime.active = {
    bundle_id: id,
    sequence: offer.sequence,
    version: offer.version,
    activated_at: new Date(ctx.now()).toISOString(),
    verified: false,
  };
  await ctx.persist();
  const reload = await ctx.proxy.reload();
  // After the reload, so the next metrics interval starts with the new config loaded.
  await ctx.onLiveChanged();
  if (!reload.ok) {
    const note = await revert(ctx, revertTo);
    return fail(ctx, id, started, "reload", `${reload.reason}; ${note}`);
  }
  log.info("config switched", { detail: reload.detail, previous: revertTo.version });
  await report(ctx, id, "activated", { duration_ms: Math.round(ctx.now() - started) });
  const outcome = await verifyActivation(ctx, ctx.runtime.active, started, revertTo);
  if (outcome.kind === "activated") {
    await pruneStaleSecrets(ctx, id, staged.value.secrets);
  }
  return outcome;
}

/**
 * After a verified switch, deletes secret files the running bundle no longer references. A
 * failure is logged, not fatal: the bundle runs, and the next verified switch prunes again.
 */
async function pruneStaleSecrets(ctx: ApplyContext, id: string, keep: string[]): Promise<void> {
  try {
    const removed = await pruneSecretFiles(ctx.secretsDir, keep);
    if (removed.length > 0) {
      ctx.log.info("stale secret files removed", { bundle_id: id, files: removed.length });
    }
  } catch (error) {
    ctx.log.warn("could not remove stale secret files", { bundle_id: id, error: describe(error) });
  }
}

/**
 * Health-checks a switched bundle: healthy → mark verified, report, prune old versions;
 * unhealthy → revert to `revertTo` and fail. Also used at start-up for a bundle that was
 * switched but never verified (the agent stopped during the check).
 */
export async function verifyActivation(
  ctx: ApplyContext,
  bundle: BundleRecord,
  started: number,
  revertTo: RevertTarget,
): Promise<ApplyOutcome> {
  const id = bundle.bundle_id;
  const health = await waitHealthy(() => ctx.proxy.health(), {
    ...ctx.healthWait,
    signal: ctx.signal,
  });
  if (!health.ok) {
    const note = await revert(ctx, revertTo);
    return fail(
      ctx,
      id,
      started,
      "health",
      `proxy not healthy after reload (${health.sample.detail}); ${note}`,
    );
  }
  if (ctx.runtime.active?.bundle_id === id) {
    ctx.runtime.active.verified = true;
    await ctx.persist();
  }
  await report(ctx, id, "verified", { duration_ms: Math.round(ctx.now() - started) });
  ctx.event({
    event_type: "bundle_switch",
    severity: "info",
    message: `now running bundle ${id.slice(0, 12)}`,
    metadata: { bundle_id: id, version: bundle.version, sequence: bundle.sequence },
  });
  const removed = await ctx.configs.prune(new Set([id, revertTo.version]));
  ctx.log.info("bundle verified", {
    bundle_id: id,
    pruned: removed.length,
    health: health.sample.detail,
  });
  return { kind: "activated", bundleId: id };
}
