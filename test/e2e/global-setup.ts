/**
 * Global setup of the browser tests: builds the dashboard, prepares a fresh local state in a
 * temporary directory (wrangler --persist-to, so the developer's .wrangler/state is never
 * touched), starts the control plane on E2E_PORT and hands its URL and credentials to the tests
 * (`inject("e2e")`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { prepareLocalState, startDevServer } from "../../scripts/dev/server";
import type { E2eContext } from "./context";

/** A dedicated port, so tests can run while `npm start` serves 8787. */
const E2E_PORT = Number(process.env.ZCP_E2E_PORT ?? 8799);
const ROOT = join(import.meta.dirname, "..", "..");

async function portAnswers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (await portAnswers(E2E_PORT)) {
    throw new Error(`port ${E2E_PORT} is in use; stop that server or set ZCP_E2E_PORT`);
  }
  const build = spawnSync("npm", ["run", "web:build"], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) {
    throw new Error(`npm run web:build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const persistTo = mkdtempSync(join(tmpdir(), "zcp-e2e-state-"));
  prepareLocalState({ persistTo });
  // The SSO browser test runs its OIDC provider on a loopback port (test/e2e/oidc-idp.ts).
  const server = await startDevServer({
    port: E2E_PORT,
    persistTo,
    vars: { SSO_ALLOW_LOCAL_URLS: "true" },
  });
  const context: E2eContext = {
    baseUrl: server.baseUrl,
    project: "demo",
    apiKey: server.credentials.apiKey,
    enrollmentToken: server.credentials.enrollmentToken,
    adminEmail: server.credentials.adminEmail,
    adminPassword: server.credentials.adminPassword,
  };
  project.provide("e2e", context);
  return async () => {
    await server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  };
}
