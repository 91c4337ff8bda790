/**
 * zentinel-agent's flags and environment variables, and how they become an {@link AgentConfig}.
 * Every option is documented by `--help`, generated from {@link AGENT_FLAGS}; that table is most
 * of this file's length, and is kept in one place so help and parser cannot drift apart.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { TrustedKey } from "../../src/bundles/verify";
import { splitCommand } from "./command";
import type { AgentConfig } from "./config";
import {
  type FlagDef,
  type Flags,
  parseFlags,
  parseKeyValues,
  renderFlagHelp,
  UsageError,
} from "./flags";
import { LOG_LEVELS, type LogLevel } from "./log";
import { DEFAULT_PROM_NAMES } from "./prom";
import type { ReloadMethod } from "./proxy";
import { AGENT_VERSION } from "./version";

/** Default state directory as root (systemd `StateDirectory=zentinel-agent`). */
export const SYSTEM_STATE_DIR = "/var/lib/zentinel-agent";
/** Default state directory otherwise (relative to the working directory; git-ignored here). */
export const USER_STATE_DIR = ".zentinel-agent";

/** The default state directory for the current user. */
export function defaultStateDir(): string {
  return process.getuid?.() === 0 ? SYSTEM_STATE_DIR : USER_STATE_DIR;
}

/** Every flag of the agent. */
export const AGENT_FLAGS: readonly FlagDef[] = [
  {
    name: "url",
    type: "string",
    env: "ZCP_URL",
    value: "<url>",
    description: "Control plane base URL, e.g. https://zcp.example.com (required)",
  },
  {
    name: "project",
    type: "string",
    env: "ZCP_PROJECT",
    value: "<slug>",
    description: "Project slug to enroll into (required for the first run)",
  },
  {
    name: "enrollment-token",
    type: "string",
    env: "ZCP_ENROLLMENT_TOKEN",
    value: "<token>",
    description: "Enrollment token (first run only; the node key is stored afterwards)",
  },
  {
    name: "name",
    type: "string",
    env: "ZCP_NODE_NAME",
    value: "<name>",
    description: "Node name, unique in the project, [a-zA-Z0-9][a-zA-Z0-9_.-]*",
    defaultText: "the host name",
  },
  {
    name: "label",
    type: "string",
    multiple: true,
    env: "ZCP_LABELS",
    value: "<key=value>",
    description: "Node label used by rollout selectors (environment: comma-separated)",
  },
  {
    name: "state-dir",
    type: "string",
    env: "ZCP_STATE_DIR",
    value: "<dir>",
    description: "Where identity, node key, pinned keys, state and quarantine live (mode 0700)",
    defaultText: `${SYSTEM_STATE_DIR} as root, ./${USER_STATE_DIR} otherwise`,
  },
  {
    name: "config-dir",
    type: "string",
    env: "ZCP_CONFIG_DIR",
    value: "<dir>",
    description:
      "Where bundle versions and the `live` link live; run zentinel with -c <config-dir>/live/zentinel.kdl. Put it outside the state dir if the proxy runs as another user",
    defaultText: "<state-dir>/config",
  },
  {
    name: "bootstrap-config",
    type: "string",
    env: "ZCP_BOOTSTRAP_CONFIG",
    value: "<file>",
    description:
      "Config copied to versions/bootstrap and made live before the first bundle arrives (the revert target of the first bundle)",
  },
  {
    name: "pid-file",
    type: "string",
    env: "ZCP_PROXY_PID_FILE",
    value: "<file>",
    description: "Reload by sending SIGHUP to the pid in this file",
  },
  {
    name: "pid",
    type: "string",
    env: "ZCP_PROXY_PID",
    value: "<pid>",
    description: "Reload by sending SIGHUP to this pid",
  },
  {
    name: "reload-command",
    type: "string",
    env: "ZCP_RELOAD_COMMAND",
    value: "<command>",
    description:
      "Reload by running this command (no shell; {config} is replaced by the live entry path), e.g. 'systemctl reload zentinel'",
  },
  {
    name: "auto-reload",
    type: "boolean",
    env: "ZCP_AUTO_RELOAD",
    description:
      "Rely on the proxy's `system { auto-reload #true }` (it only notices changes of the entry file; prefer SIGHUP)",
  },
  {
    name: "validate-command",
    type: "string",
    env: "ZCP_VALIDATE_COMMAND",
    value: "<command>",
    description:
      "Run before switching, e.g. 'zentinel validate -c {config}'; non-zero exit rejects the bundle",
  },
  {
    name: "validate-timeout-s",
    type: "string",
    env: "ZCP_VALIDATE_TIMEOUT_S",
    value: "<s>",
    description: "Timeout of the validate command",
    defaultText: "60",
  },
  {
    name: "health-url",
    type: "string",
    env: "ZCP_HEALTH_URL",
    value: "<url>",
    description: 'The proxy\'s health endpoint (a route with builtin-handler "health")',
  },
  {
    name: "health-timeout-s",
    type: "string",
    env: "ZCP_HEALTH_TIMEOUT_S",
    value: "<s>",
    description: "How long a new config has to become healthy before it is reverted",
    defaultText: "30",
  },
  {
    name: "health-successes",
    type: "string",
    env: "ZCP_HEALTH_SUCCESSES",
    value: "<n>",
    description: "Consecutive healthy probes required after a reload",
    defaultText: "3",
  },
  {
    name: "health-interval-ms",
    type: "string",
    env: "ZCP_HEALTH_INTERVAL_MS",
    value: "<ms>",
    description: "Pause between health probes",
    defaultText: "1000",
  },
  {
    name: "reload-settle-ms",
    type: "string",
    env: "ZCP_RELOAD_SETTLE_MS",
    value: "<ms>",
    description: "Wait after a reload before the first health probe",
    defaultText: "1000",
  },
  {
    name: "metrics-url",
    type: "string",
    env: "ZCP_METRICS_URL",
    value: "<url>",
    description: "The proxy's Prometheus endpoint, e.g. http://127.0.0.1:9090/metrics",
  },
  {
    name: "metrics-requests-metric",
    type: "string",
    env: "ZCP_METRICS_REQUESTS_METRIC",
    value: "<name>",
    description: "Request counter (5xx by status label count as errors)",
    defaultText: DEFAULT_PROM_NAMES.requestsTotal,
  },
  {
    name: "metrics-status-label",
    type: "string",
    env: "ZCP_METRICS_STATUS_LABEL",
    value: "<label>",
    description: "Status label of the request counter",
    defaultText: DEFAULT_PROM_NAMES.statusLabel,
  },
  {
    name: "metrics-latency-metric",
    type: "string",
    env: "ZCP_METRICS_LATENCY_METRIC",
    value: "<name>",
    description: "Latency histogram (unit from the _seconds/_ms suffix)",
    defaultText: DEFAULT_PROM_NAMES.latencyHistogram,
  },
  {
    name: "auth",
    type: "string",
    env: "ZCP_AUTH",
    value: "jwt|key",
    description:
      "Authenticate with short-lived JWTs (refreshed before expiry, static key as fallback) or the static key",
    defaultText: "jwt",
  },
  {
    name: "signing-key",
    type: "string",
    multiple: true,
    env: "ZCP_SIGNING_KEYS",
    value: "<kid=base64url>",
    description:
      "Extra pinned bundle signing key (e.g. after a key rotation); keys from registration are always pinned",
  },
  {
    name: "poll-interval-s",
    type: "string",
    env: "ZCP_POLL_INTERVAL_S",
    value: "<s>",
    description: "Override the server's poll_after_s",
  },
  {
    name: "heartbeat-interval-s",
    type: "string",
    env: "ZCP_HEARTBEAT_INTERVAL_S",
    value: "<s>",
    description: "Override the server's heartbeat_interval_s",
  },
  {
    name: "request-timeout-s",
    type: "string",
    env: "ZCP_REQUEST_TIMEOUT_S",
    value: "<s>",
    description: "Timeout of each HTTP attempt",
    defaultText: "15",
  },
  {
    name: "max-backoff-s",
    type: "string",
    env: "ZCP_MAX_BACKOFF_S",
    value: "<s>",
    description: "Longest wait between attempts while the control plane fails",
    defaultText: "300",
  },
  {
    name: "max-bundle-mb",
    type: "string",
    env: "ZCP_MAX_BUNDLE_MB",
    value: "<MiB>",
    description: "Largest bundle archive accepted",
    defaultText: "64",
  },
  {
    name: "once",
    type: "boolean",
    env: "ZCP_ONCE",
    description: "Run one enroll/heartbeat/poll/apply cycle and exit (see exit codes)",
  },
  {
    name: "log-level",
    type: "string",
    env: "ZCP_LOG_LEVEL",
    value: "<level>",
    description: "debug, info, warn or error",
    defaultText: "info",
  },
  { name: "help", type: "boolean", description: "Show this help" },
  { name: "version", type: "boolean", description: "Print the version" },
];

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
    heartbeatIntervalS: flags.optionalNumber("heartbeat-interval-s", 0.01),
    extraSigningKeys: signingKeys(flags.list("signing-key")),
    failureBackoffCapMs: flags.number("max-backoff-s", 300, 1) * 1000,
  };
  return { kind: "run", config, once: flags.bool("once"), logLevel };
}
