/**
 * The agent's apply pipeline vocabulary: its context, its outcomes, and how a rejected bundle is
 * reported (report `failed`, quarantine, persist, event). Used by apply.ts.
 */
import type { TrustedKey } from "../../src/bundles/verify";
import type { ConfigStore } from "./config-store";
import { describe } from "./http";
import type { Logger } from "./log";
import type { NodeClient, NodeEvent, ReportBody, ReportKind } from "./protocol";
import type { HealthWait, LocalProxy } from "./proxy";
import type { RuntimeState } from "./state";

/** Where in the pipeline a bundle was rejected. */
export type FailureStep =
  | "sequence"
  | "download"
  | "checksum"
  | "untar"
  | "signature"
  | "digest"
  | "files"
  | "stage"
  | "secrets"
  | "validate"
  | "reload"
  | "health";

/** Result of handling one offer. */
export type ApplyOutcome =
  /** Already running it: the reports were repeated so the control plane catches up. */
  | { kind: "already_active"; bundleId: string }
  /** Quarantined earlier; ignored until a different bundle is offered. */
  | { kind: "quarantined"; bundleId: string }
  | { kind: "activated"; bundleId: string }
  /** Reported failed and quarantined; the previous config is live. */
  | { kind: "failed"; bundleId: string; step: FailureStep; reason: string }
  /** Could not get the archive right now; retried on the next poll. */
  | { kind: "deferred"; bundleId: string; reason: string };

/** Everything the pipeline touches, provided by the agent. */
export interface ApplyContext {
  readonly client: NodeClient;
  readonly configs: ConfigStore;
  readonly proxy: LocalProxy;
  /** Mutable runtime state; `persist` writes it to disk. */
  readonly runtime: RuntimeState;
  persist(): Promise<void>;
  readonly trustedKeys: readonly TrustedKey[];
  /**
   * Fetches the project's published keys over the authenticated channel and pins new ones;
   * returns the updated trusted set. Called only for an offer signed by an unknown key id.
   */
  refreshTrustedKeys(): Promise<readonly TrustedKey[]>;
  /** `zentinel validate`-style command with `{config}`; undefined to skip step 6. */
  readonly validateArgv?: readonly string[];
  readonly validateTimeoutMs: number;
  readonly healthWait: HealthWait;
  readonly maxBundleBytes: number;
  /** Where secret files of model-compiled bundles are written (0700 dir, 0600 files). */
  readonly secretsDir: string;
  readonly log: Logger;
  readonly now: () => number;
  /** Queues a node event (sent with the next heartbeat). */
  event(event: NodeEvent): void;
  /** Called whenever the live config changed (switch or revert). */
  onLiveChanged(): Promise<void>;
  readonly signal?: AbortSignal;
}

/** Output kept in a failure report: the tail is where validators put the verdict. */
const REPORT_LOGS_MAX_CHARS = 16_000;

function tail(text: string): string {
  return text.length <= REPORT_LOGS_MAX_CHARS ? text : `…${text.slice(-REPORT_LOGS_MAX_CHARS)}`;
}

/** Sends a report; failures are logged, not thrown (heartbeats and re-offers repair the gap). */
export async function report(
  ctx: ApplyContext,
  bundleId: string,
  kind: ReportKind,
  body: ReportBody,
): Promise<boolean> {
  try {
    await ctx.client.report(bundleId, kind, body, ctx.signal);
    return true;
  } catch (error) {
    if (ctx.signal?.aborted) {
      throw error;
    }
    ctx.log.warn("report failed", { bundle_id: bundleId, report: kind, error: describe(error) });
    return false;
  }
}

/** Marks the bundle failed: report, quarantine, persist. */
export async function fail(
  ctx: ApplyContext,
  bundleId: string,
  started: number,
  step: FailureStep,
  reason: string,
  logs?: string,
): Promise<ApplyOutcome> {
  const error = `${step}: ${reason}`;
  ctx.log.error("bundle rejected", { bundle_id: bundleId, step, reason });
  const body: ReportBody = { error, duration_ms: Math.round(ctx.now() - started) };
  if (logs !== undefined && logs !== "") {
    body.logs = tail(logs);
  }
  const reported = await report(ctx, bundleId, "failed", body);
  ctx.runtime.quarantine = ctx.runtime.quarantine.filter((q) => q.bundle_id !== bundleId);
  ctx.runtime.quarantine.push({
    bundle_id: bundleId,
    reason: error,
    at: new Date(ctx.now()).toISOString(),
    reported,
  });
  await ctx.persist();
  ctx.event({
    event_type: "error",
    severity: "error",
    message: `bundle ${bundleId.slice(0, 12)} rejected at ${step}`,
    metadata: { bundle_id: bundleId, step, reason },
  });
  return { kind: "failed", bundleId, step, reason };
}
