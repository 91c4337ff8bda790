/**
 * zentinel-agent's flags and environment variables, and how they become an {@link AgentConfig}.
 * Every option is documented by `--help`, generated from {@link AGENT_FLAGS} (agent-flags.ts),
 * the one table both help and parser read, so they cannot drift apart.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { TrustedKey } from "../../src/bundles/verify";
import { AGENT_FLAGS, defaultStateDir, SYSTEM_STATE_DIR, USER_STATE_DIR } from "./agent-flags";
import { splitCommand } from "./command";
import type { AgentConfig } from "./config";
import { type Flags, parseFlags, parseKeyValues, renderFlagHelp, UsageError } from "./flags";
import { LOG_LEVELS, type LogLevel } from "./log";
import { DEFAULT_PROM_NAMES } from "./prom";
import type { ReloadMethod } from "./proxy";
import { DEFAULT_TELEMETRY_NAMES } from "./telemetry-deltas";
import { AGENT_VERSION } from "./version";

export { AGENT_FLAGS, defaultStateDir, SYSTEM_STATE_DIR, USER_STATE_DIR };

/** Exit codes of the agent. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  enrollment: 3,
  unreachable: 4,
  bundleRejected: 5,
} as const;

/** `--help` text. */
export function agentHelp(): string {
  return `zentinel-agent ${AGENT_VERSION}: enrolls a Zentinel node with the control plane, heartbeats,
and pulls, verifies and activates signed config bundles.

Usage: zentinel-agent --url <url> --project <slug> --enrollment-token <token> --pid-file <file> [options]
       (npm run agent -- …, or node dist/zentinel-agent.mjs …)

Run the proxy with: zentinel -c <config-dir>/live/zentinel.kdl

Options (flags win over environment variables):
${renderFlagHelp(AGENT_FLAGS)}

Exit codes:
  0  done (--once: the node runs what the control plane wants, or there was nothing to do)
  1  unexpected internal error
  2  usage error
  3  enrollment refused or node credentials rejected (revoked node, rotated key, name taken)
  4  control plane unreachable or failing (--once); the live config was left alone
  5  an offered bundle was rejected or failed to activate (--once); reported, quarantined, previous config live
`;
}

/** What the command line asks for. */
export type AgentCli =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
      readonly kind: "run";
      readonly config: AgentConfig;
      readonly once: boolean;
      readonly logLevel: LogLevel;
    };

function reloadMethod(flags: Flags): ReloadMethod {
  const pidText = flags.string("pid");
  const pidFile = flags.string("pid-file");
  const command = flags.string("reload-command");
  const auto = flags.bool("auto-reload");
  const chosen = [
    pidText !== undefined || pidFile !== undefined,
    command !== undefined,
    auto,
  ].filter(Boolean);
  if (chosen.length !== 1) {
    throw new UsageError(
      "choose exactly one way to reload the proxy: --pid-file/--pid, --reload-command or --auto-reload",
    );
  }
  if (command !== undefined) {
    return { kind: "command", argv: splitCommand(command), timeoutMs: 30_000 };
  }
  if (auto) {
    return { kind: "auto" };
  }
  const pid = pidText === undefined ? undefined : Number(pidText);
  if (pid !== undefined && !(Number.isInteger(pid) && pid > 0)) {
    throw new UsageError(`--pid must be a positive integer, got ${JSON.stringify(pidText)}`);
  }
  return { kind: "signal", pid, pidFile };
}

function signingKeys(items: readonly string[]): TrustedKey[] {
  return Object.entries(parseKeyValues(items, "signing-key")).map(([kid, publicKey]) => ({
    kid,
    publicKey,
  }));
}

/** A node name from the host name, made to fit the register rules. */
export function defaultNodeName(host = hostname()): string {
  const cleaned = host
    .replace(/[^a-zA-Z0-9_.-]/g, "-")
    .replace(/^[^a-zA-Z0-9]+/, "")
    .slice(0, 100);
  return cleaned === "" ? "zentinel-node" : cleaned;
}

/** Parses flags and environment into the agent's configuration. Throws {@link UsageError}. */
export function parseAgentCli(argv: readonly string[], env: NodeJS.ProcessEnv): AgentCli {
  const flags = parseFlags(AGENT_FLAGS, argv, env);
  if (flags.bool("help")) {
    return { kind: "help" };
  }
  if (flags.bool("version")) {
    return { kind: "version" };
  }
  const logLevel = (flags.string("log-level") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const url = flags.string("url");
  if (url === undefined || !/^https?:\/\//.test(url)) {
    throw new UsageError("--url (ZCP_URL) is required and must be an http(s) URL");
  }
  const auth = flags.string("auth") ?? "jwt";
  if (auth !== "jwt" && auth !== "key") {
    throw new UsageError("--auth must be jwt or key");
  }
  const name = flags.string("name") ?? defaultNodeName();
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/.test(name)) {
    throw new UsageError(
      `--name ${JSON.stringify(name)} must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ (1–100 chars)`,
    );
  }
  const stateDir = flags.string("state-dir") ?? defaultStateDir();
  const validate = flags.string("validate-command");
  const config: AgentConfig = {
    url,
    project: flags.string("project"),
    enrollmentToken: flags.string("enrollment-token"),
    name,
    labels: parseKeyValues(flags.list("label"), "label"),
    stateDir,
    configDir: flags.string("config-dir") ?? join(stateDir, "config"),
    bootstrapConfig: flags.string("bootstrap-config"),
    auth,
    reload: reloadMethod(flags),
    healthUrl: flags.string("health-url"),
    metricsUrl: flags.string("metrics-url"),
    promNames: {
      requestsTotal: flags.string("metrics-requests-metric") ?? DEFAULT_PROM_NAMES.requestsTotal,
      statusLabel: flags.string("metrics-status-label") ?? DEFAULT_PROM_NAMES.statusLabel,
      latencyHistogram:
        flags.string("metrics-latency-metric") ?? DEFAULT_PROM_NAMES.latencyHistogram,
      serviceLabel: flags.string("metrics-service-label") ?? DEFAULT_TELEMETRY_NAMES.serviceLabel,
      wafCounter: flags.string("metrics-waf-metric") ?? DEFAULT_TELEMETRY_NAMES.wafCounter,
      wafRuleLabel: flags.string("metrics-waf-rule-label") ?? DEFAULT_TELEMETRY_NAMES.wafRuleLabel,
      wafActionLabel:
        flags.string("metrics-waf-action-label") ?? DEFAULT_TELEMETRY_NAMES.wafActionLabel,
    },
    validateArgv: validate === undefined ? undefined : splitCommand(validate),
    validateTimeoutMs: flags.number("validate-timeout-s", 60, 1) * 1000,
    health: {
      timeoutMs: flags.number("health-timeout-s", 30, 0) * 1000,
      successes: flags.number("health-successes", 3, 1),
      intervalMs: flags.number("health-interval-ms", 1000, 10),
      settleMs: flags.number("reload-settle-ms", 1000, 0),
    },
    maxBundleBytes: Math.floor(flags.number("max-bundle-mb", 64, 1) * 1024 * 1024),
    requestTimeoutMs: flags.number("request-timeout-s", 15, 0.1) * 1000,
    pollIntervalS: flags.optionalNumber("poll-interval-s", 0.01),
    push: !flags.bool("no-push"),
    heartbeatIntervalS: flags.optionalNumber("heartbeat-interval-s", 0.01),
    extraSigningKeys: signingKeys(flags.list("signing-key")),
    failureBackoffCapMs: flags.number("max-backoff-s", 300, 1) * 1000,
  };
  return { kind: "run", config, once: flags.bool("once"), logLevel };
}
