import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentConfig } from "../../../scripts/agent/agent";
import { createLogger, type Logger } from "../../../scripts/agent/log";
import { DEFAULT_PROM_NAMES } from "../../../scripts/agent/prom";
import { ENROLLMENT_TOKEN, PROJECT } from "./fake-control-plane";

/** A fresh temporary directory; removed by the returned cleanup. */
export function tempDir(prefix = "zagent-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `check` until it returns a value or the timeout passes. */
export async function waitFor<T>(
  check: () => T | null | undefined | false,
  timeoutMs = 5_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== null && value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The fake proxy child process (fixtures/fake-proxy.mjs). */
export interface FakeProxy {
  readonly pid: number;
  readonly pidFile: string;
  readonly healthUrl: string;
  readonly metricsUrl: string;
  /** Lines of its reload log ("HUP <first config line>"), one per SIGHUP handled. */
  reloads(): string[];
  stop(): Promise<void>;
}

/** Starts the fake proxy reading `configPath`. */
export async function startFakeProxy(dir: string, configPath: string): Promise<FakeProxy> {
  const pidFile = join(dir, "proxy.pid");
  const portFile = join(dir, "proxy.port");
  const reloadLog = join(dir, "proxy-reloads.log");
  const script = join(import.meta.dirname, "fixtures", "fake-proxy.mjs");
  const child: ChildProcess = spawn(
    process.execPath,
    [script, configPath, pidFile, portFile, reloadLog],
    {
      stdio: "ignore",
    },
  );
  const port = await waitFor(
    () => existsSync(portFile) && readFileSync(portFile, "utf8"),
    10_000,
    "fake proxy",
  );
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error("fake proxy did not start");
  }
  return {
    pid,
    pidFile,
    healthUrl: `http://127.0.0.1:${port}/health`,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    reloads: () =>
      existsSync(reloadLog)
        ? readFileSync(reloadLog, "utf8")
            .split("\n")
            .filter((l) => l !== "")
        : [],
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** A logger that keeps parsed JSON lines for assertions. */
export function memoryLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    level: "debug",
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { log, lines };
}

/** An agent config with fast timings for tests. */
export function testAgentConfig(
  url: string,
  stateDir: string,
  overrides: Partial<AgentConfig> = {},
): AgentConfig {
  return {
    url,
    project: PROJECT,
    enrollmentToken: ENROLLMENT_TOKEN,
    name: `node-${Math.random().toString(36).slice(2, 8)}`,
    labels: { region: "test" },
    stateDir,
    configDir: join(stateDir, "config"),
    auth: "key",
    reload: { kind: "auto" },
    promNames: DEFAULT_PROM_NAMES,
    validateTimeoutMs: 10_000,
    // Margins for loaded machines: a slow fake proxy must not read as an unhealthy one.
    health: { timeoutMs: 4_000, intervalMs: 50, successes: 2, settleMs: 50 },
    maxBundleBytes: 8 * 1024 * 1024,
    requestTimeoutMs: 5_000,
    extraSigningKeys: [],
    failureBackoffCapMs: 400,
    http: { maxAttempts: 2, backoff: { baseMs: 10, capMs: 50 } },
    ...overrides,
  };
}
