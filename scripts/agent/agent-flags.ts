/**
 * The agent's command-line flags and their environment variables: one declarative table read by
 * both the parser (options.ts) and `--help`.
 */
import type { FlagDef } from "./flags";
import { DEFAULT_PROM_NAMES } from "./prom";
import { DEFAULT_TELEMETRY_NAMES } from "./telemetry-deltas";

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
    name: "metrics-service-label",
    type: "string",
    env: "ZCP_METRICS_SERVICE_LABEL",
    value: "<label>",
    description:
      "Route/service label of the request counter and latency histogram (telemetry per service)",
    defaultText: DEFAULT_TELEMETRY_NAMES.serviceLabel,
  },
  {
    name: "metrics-waf-metric",
    type: "string",
    env: "ZCP_METRICS_WAF_METRIC",
    value: "<name>",
    description:
      "WAF decision counter (telemetry blocked/challenged per rule; skipped when absent)",
    defaultText: DEFAULT_TELEMETRY_NAMES.wafCounter,
  },
  {
    name: "metrics-waf-rule-label",
    type: "string",
    env: "ZCP_METRICS_WAF_RULE_LABEL",
    value: "<label>",
    description: "Rule id label of the WAF counter",
    defaultText: DEFAULT_TELEMETRY_NAMES.wafRuleLabel,
  },
  {
    name: "metrics-waf-action-label",
    type: "string",
    env: "ZCP_METRICS_WAF_ACTION_LABEL",
    value: "<label>",
    description: "Action label of the WAF counter (block… / challenge…)",
    defaultText: DEFAULT_TELEMETRY_NAMES.wafActionLabel,
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
    name: "no-push",
    type: "boolean",
    env: "ZCP_NO_PUSH",
    description:
      "Do not hold the push socket (GET …/socket); poll at the server's interval only. By default " +
      "offers are pushed at once and polls become a safety net at the longer interval the socket's hello names",
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
