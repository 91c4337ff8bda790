// `npm start`: starts wrangler dev on 127.0.0.1:${PORT:-8787} (after ensure-deps, migrations,
// seed and the dashboard build ran as earlier npm steps), prints the local credentials once it
// answers /healthz, and fires the cron every minute (wrangler dev does not run Cron Triggers).
import { startDevServer } from "./server";

/** The local cron cadence, matching the deployed `* * * * *` trigger. */
const CRON_INTERVAL_MS = 60_000;

const port = Number(process.env.PORT || 8787);
const server = await startDevServer({ port, inheritOutput: true });
const { baseUrl, credentials: creds } = server;
const stop = () => {
  void server.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.process.on("exit", (code) => process.exit(code ?? 0));

console.log(`
[zcp] Zentinel Control Plane is up at ${baseUrl}
      dashboard         ${baseUrl}/
      API reference     ${baseUrl}/api/docs
      admin API key     ${creds.apiKey}
      enrollment token  ${creds.enrollmentToken}   (project "demo")
      admin login       ${creds.adminEmail} / ${creds.adminPassword}
      (saved in .wrangler/zcp-dev-credentials.json)
`);
setInterval(() => {
  fetch(`${baseUrl}/cdn-cgi/handler/scheduled`).catch(() => undefined);
}, CRON_INTERVAL_MS);
