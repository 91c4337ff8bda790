/**
 * Entry point of zentinel-agent (`npm run agent -- …`, or `dist/zentinel-agent.mjs` built by
 * `npm run agent:build`). SIGINT/SIGTERM stop it gracefully; the proxy keeps running either way.
 */
import { runAgentCli } from "./cli";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => controller.abort(new Error(`received ${signal}`)));
}
process.exitCode = await runAgentCli(process.argv.slice(2), process.env, {
  signal: controller.signal,
});
