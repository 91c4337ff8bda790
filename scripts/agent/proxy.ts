/**
 * The agent's view of the local Zentinel proxy: how to make it reload (SIGHUP to its pid, a
 * command, or nothing when `auto-reload` watches the file) and how healthy it is (its health
 * endpoint, and whether its process is alive).
 *
 * Zentinel gives no synchronous acknowledgement of a reload (a rejected config only logs
 * "Continuing with previous configuration"), so success is inferred from health afterwards.
 */
import { readFile } from "node:fs/promises";
import { sleep } from "./backoff";
import { describeFailure, runCommand, withConfigPath } from "./command";
import { describe } from "./http";
import type { HealthStatus } from "./protocol";

/** How the proxy is told to reload. */
export type ReloadMethod =
  | { readonly kind: "signal"; readonly pid?: number; readonly pidFile?: string }
  | { readonly kind: "command"; readonly argv: readonly string[]; readonly timeoutMs: number }
  | { readonly kind: "auto" };

/** Outcome of a reload trigger. */
export type ReloadResult = { ok: true; detail: string } | { ok: false; reason: string };

/** One health observation. */
export interface HealthSample {
  readonly status: HealthStatus;
  readonly detail: string;
}

/** Reads the pid from a pid file (first token must be a positive integer). */
export async function readPidFile(path: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  const pid = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** True when a process with this pid exists (signal 0 checks without delivering anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Options of {@link LocalProxy}. */
export interface ProxyOptions {
  readonly reload: ReloadMethod;
  /** The proxy's health endpoint (e.g. a route with `builtin-handler "health"`). */
  readonly healthUrl?: string;
  readonly healthTimeoutMs?: number;
  /** The entry config path substituted for `{config}` in a reload command. */
  readonly configPath: string;
  readonly fetch?: typeof fetch;
}

const DEFAULT_HEALTH_REQUEST_TIMEOUT_MS = 3_000;
const HEALTH_STATUSES: readonly string[] = ["healthy", "degraded", "unhealthy"];

/** Reload trigger and health probe of the local proxy. */
export class LocalProxy {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ProxyOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** The proxy's pid when it is known (signal mode), else null. */
  async pid(): Promise<number | null> {
    const reload = this.options.reload;
    if (reload.kind !== "signal") {
      return null;
    }
    if (reload.pid !== undefined) {
      return reload.pid;
    }
    return reload.pidFile === undefined ? null : readPidFile(reload.pidFile);
  }

  /** Makes the proxy load the live config. */
  async reload(): Promise<ReloadResult> {
    const reload = this.options.reload;
    switch (reload.kind) {
      case "auto":
        return { ok: true, detail: "relying on the proxy's auto-reload" };
      case "command": {
        const argv = withConfigPath(reload.argv, this.options.configPath);
        const result = await runCommand(argv, { timeoutMs: reload.timeoutMs });
        if (!result.ok) {
          return {
            ok: false,
            reason: `reload command failed: ${describeFailure(argv, result)}: ${result.stderr.trim()}`,
          };
        }
        return { ok: true, detail: `ran ${argv[0] ?? "reload command"}` };
      }
      case "signal": {
        const pid = await this.pid();
        if (pid === null) {
          return {
            ok: false,
            reason: `proxy pid unknown (pid file ${reload.pidFile ?? "-"} missing or invalid)`,
          };
        }
        try {
          process.kill(pid, "SIGHUP");
        } catch (error) {
          return { ok: false, reason: `SIGHUP to pid ${pid} failed: ${describe(error)}` };
        }
        return { ok: true, detail: `sent SIGHUP to pid ${pid}` };
      }
    }
  }

  /**
   * Current health: the process must be alive (when its pid is known) and the health endpoint
   * (when configured) must answer 2xx; a JSON `status` of `degraded`/`unhealthy` is passed on.
   * With neither configured there is nothing to observe, and the answer says so.
   */
  async health(): Promise<HealthSample> {
    const pid = await this.pid();
    if (this.options.reload.kind === "signal" && (pid === null || !processAlive(pid))) {
      return {
        status: "unhealthy",
        detail: pid === null ? "proxy pid unknown" : `proxy pid ${pid} is not running`,
      };
    }
    const url = this.options.healthUrl;
    if (url === undefined) {
      return {
        status: "healthy",
        detail: pid === null ? "unchecked (no health URL)" : `pid ${pid} alive`,
      };
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        signal: AbortSignal.timeout(
          this.options.healthTimeoutMs ?? DEFAULT_HEALTH_REQUEST_TIMEOUT_MS,
        ),
        headers: { accept: "application/json" },
      });
    } catch (error) {
      return { status: "unhealthy", detail: `health endpoint unreachable: ${describe(error)}` };
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      return { status: "unhealthy", detail: `health endpoint answered HTTP ${res.status}` };
    }
    let reported: unknown = null;
    try {
      reported = (JSON.parse(text) as { status?: unknown } | null)?.status;
    } catch {
      // A 2xx without JSON is a plain liveness answer.
    }
    if (typeof reported === "string" && HEALTH_STATUSES.includes(reported)) {
      return { status: reported as HealthStatus, detail: `health endpoint says ${reported}` };
    }
    return { status: "healthy", detail: `health endpoint answered HTTP ${res.status}` };
  }
}

/** Parameters of {@link waitHealthy}. */
export interface HealthWait {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Pause between probes. */
  readonly intervalMs: number;
  /** Consecutive healthy probes required (a single lucky answer proves little). */
  readonly successes: number;
  /** Wait this long before the first probe, so the reload has started. */
  readonly settleMs: number;
  readonly signal?: AbortSignal;
}

/**
 * Probes until `successes` consecutive healthy answers (ok) or the timeout (fails with the last
 * observation). `degraded` counts as not healthy: the rollout gates want `healthy`.
 */
export async function waitHealthy(
  probe: () => Promise<HealthSample>,
  wait: HealthWait,
): Promise<{ ok: true; sample: HealthSample } | { ok: false; sample: HealthSample }> {
  const deadline = performance.now() + wait.timeoutMs;
  await sleep(wait.settleMs, wait.signal);
  let streak = 0;
  let last: HealthSample = { status: "unhealthy", detail: "no health probe completed" };
  for (;;) {
    last = await probe();
    streak = last.status === "healthy" ? streak + 1 : 0;
    if (streak >= wait.successes) {
      return { ok: true, sample: last };
    }
    if (performance.now() + wait.intervalMs > deadline) {
      return { ok: false, sample: last };
    }
    await sleep(wait.intervalMs, wait.signal);
  }
}
