import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DevCredentials, loadDevCredentials } from "./credentials";

const ROOT = join(import.meta.dirname, "..", "..");
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 300;

/** Environment for wrangler: no telemetry, no request.cf lookups (offline machines). */
export const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/** A running local control plane. */
export interface DevServer {
  baseUrl: string;
  credentials: DevCredentials;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Writes .dev.vars with the local secrets (wrangler dev reads it at startup). */
export function writeDevVars(creds: DevCredentials): void {
  writeFileSync(
    join(ROOT, ".dev.vars"),
    `# Local-only secrets written by the dev scripts; never commit.\nZCP_MASTER_KEY="${creds.masterKey}"\nAUDIT_HMAC_KEY="${creds.auditKey}"\n`,
    { mode: 0o600 },
  );
}

/** `--persist-to <dir>` for wrangler when a separate local state directory is wanted. */
const persistArgs = (persistTo?: string) => (persistTo ? ["--persist-to", persistTo] : []);

/**
 * Applies local D1 migrations and the idempotent seed (what `npm start` does before serving).
 * `persistTo` keeps the state in that directory instead of .wrangler/state (e2e tests).
 */
export function prepareLocalState(opts: { persistTo?: string } = {}): void {
  const env = opts.persistTo ? { ...WRANGLER_ENV, ZCP_PERSIST_TO: opts.persistTo } : WRANGLER_ENV;
  for (const args of [
    ["wrangler", "d1", "migrations", "apply", "DB", "--local", ...persistArgs(opts.persistTo)],
    ["tsx", "scripts/dev/seed.ts"],
  ]) {
    const res = spawnSync("npx", args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    if (res.status !== 0) {
      throw new Error(`npx ${args.join(" ")} failed:\n${res.stdout}\n${res.stderr}`);
    }
  }
}

/** Waits until GET /healthz answers 200, or throws after READY_TIMEOUT_MS. */
export async function waitForHealthy(baseUrl: string, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${baseUrl}/healthz did not answer within ${timeoutMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/**
 * Starts `wrangler dev` on 127.0.0.1:`port` (containers off) and resolves once it is healthy.
 * `inheritOutput` shows wrangler's output (npm start); otherwise it is discarded (tests, bench).
 */
export async function startDevServer(opts: {
  port: number;
  inheritOutput?: boolean;
  /** Local state directory (default .wrangler/state); see prepareLocalState. */
  persistTo?: string;
  /** Extra `[vars]` for this run (`wrangler dev --var NAME:VALUE`), e.g. test-only flags. */
  vars?: Record<string, string>;
}): Promise<DevServer> {
  const credentials = loadDevCredentials();
  writeDevVars(credentials);
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(opts.port),
      "--enable-containers=false",
      ...persistArgs(opts.persistTo),
      ...Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    {
      cwd: ROOT,
      env: WRANGLER_ENV,
      stdio: opts.inheritOutput ? "inherit" : "ignore",
      detached: !opts.inheritOutput,
    },
  );
  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (child.exitCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    // wrangler spawns workerd; signal the whole group when we own it.
    if (!opts.inheritOutput && child.pid !== undefined) {
      process.kill(-child.pid, "SIGTERM");
    } else {
      child.kill("SIGINT");
    }
    await exited;
  };
  try {
    await waitForHealthy(baseUrl);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, credentials, process: child, stop };
}
