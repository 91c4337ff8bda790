// `npm start`: writes .dev.vars (local secrets), starts wrangler dev on 127.0.0.1:${PORT:-8787},
// prints the local credentials once it answers /healthz, and fires the cron every minute
// (wrangler dev does not run Cron Triggers by itself).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDevCredentials } from "./credentials";

/** The local cron cadence, matching the deployed `* * * * *` trigger. */
const CRON_INTERVAL_MS = 60_000;
const READY_TIMEOUT_MS = 60_000;

const root = join(import.meta.dirname, "..", "..");
const port = process.env.PORT || "8787";
const creds = loadDevCredentials();
writeFileSync(
  join(root, ".dev.vars"),
  `# Local-only secrets written by npm start; never commit.\nZCP_MASTER_KEY="${creds.masterKey}"\nAUDIT_HMAC_KEY="${creds.auditKey}"\n`,
  { mode: 0o600 },
);

const child = spawn(
  "npx",
  ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--enable-containers=false"],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  },
);
const stop = () => child.kill("SIGINT");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => process.exit(code ?? 0));

const base = `http://127.0.0.1:${port}`;
const deadline = Date.now() + READY_TIMEOUT_MS;
for (;;) {
  try {
    const res = await fetch(`${base}/healthz`);
    if (res.ok) {
      break;
    }
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    console.error(`[zcp] ${base}/healthz did not answer within ${READY_TIMEOUT_MS / 1000} s`);
    break;
  }
  await new Promise((r) => setTimeout(r, 300));
}
console.log(`
[zcp] Zentinel Control Plane is up at ${base}
      dashboard         ${base}/
      API reference     ${base}/api/docs
      admin API key     ${creds.apiKey}
      enrollment token  ${creds.enrollmentToken}   (project "demo")
      admin login       ${creds.adminEmail} / ${creds.adminPassword}
      (saved in .wrangler/zcp-dev-credentials.json)
`);
setInterval(() => {
  fetch(`${base}/cdn-cgi/handler/scheduled`).catch(() => undefined);
}, CRON_INTERVAL_MS).unref();
