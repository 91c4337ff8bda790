/**
 * The agent's configuration (built from flags and environment by options.ts), its injectable
 * effects, and the fatal error kinds `cli.ts` maps to exit codes.
 */
import type { TrustedKey } from "../../src/bundles/verify";
import type { BackoffPolicy, Random } from "./backoff";
import type { Logger } from "./log";
import type { PromMetricNames } from "./prom";
import type { ReloadMethod } from "./proxy";
import type { TelemetryMetricNames } from "./telemetry-deltas";

/** Everything configurable (flags/environment, see options.ts). */
export interface AgentConfig {
  readonly url: string;
  readonly project?: string;
  readonly enrollmentToken?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly stateDir: string;
  readonly configDir?: string;
  readonly bootstrapConfig?: string;
  readonly auth: "jwt" | "key";
  readonly reload: ReloadMethod;
  readonly healthUrl?: string;
  readonly metricsUrl?: string;
  /** Series the heartbeat and telemetry read; telemetry-only names default when absent. */
  readonly promNames: PromMetricNames & Partial<TelemetryMetricNames>;
  readonly validateArgv?: readonly string[];
  readonly validateTimeoutMs: number;
  readonly health: { timeoutMs: number; intervalMs: number; successes: number; settleMs: number };
  readonly maxBundleBytes: number;
  readonly requestTimeoutMs: number;
  /** Override the server-chosen intervals (seconds). */
  readonly pollIntervalS?: number;
  /**
   * Hold the push socket (default true): offers arrive the moment they exist, and polls run at
   * the server's longer push-healthy interval while the socket is up. `--no-push` turns it off.
   */
  readonly push?: boolean;
  readonly heartbeatIntervalS?: number;
  /** Keys pinned in addition to those received at registration (e.g. after a key rotation). */
  readonly extraSigningKeys: readonly TrustedKey[];
  /** Longest wait between attempts while the control plane is failing. */
  readonly failureBackoffCapMs: number;
  /** Per-request retry policy (defaults: 4 attempts, 0.5 s base, 30 s cap). */
  readonly http?: { readonly maxAttempts: number; readonly backoff: BackoffPolicy };
}

/** Injectable effects (tests pin them). */
export interface AgentDeps {
  readonly log: Logger;
  readonly fetch?: typeof fetch;
  readonly random?: Random;
  readonly now?: () => number;
}

/** Why the agent cannot continue; `main` maps the kind to an exit code. */
export class AgentFatalError extends Error {
  override name = "AgentFatalError";
  constructor(
    readonly kind: "enrollment" | "credentials" | "state",
    message: string,
  ) {
    super(message);
  }
}
