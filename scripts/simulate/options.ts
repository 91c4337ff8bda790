/**
 * Flags of `npm run simulate`, documented by `--help` from the same table.
 */
import { readFileSync } from "node:fs";
import {
  type FlagDef,
  type Flags,
  parseFlags,
  parseKeyValues,
  renderFlagHelp,
  UsageError,
} from "../agent/flags";
import { LOG_LEVELS, type LogLevel } from "../agent/log";
import {
  type Distribution,
  DistributionError,
  parseDistribution,
  seededRandom,
} from "./distribution";
import { parseMetricsRules } from "./metrics-spec";
import type { SimulationOptions } from "./scenario";

/** Every flag of the simulator. */
export const SIMULATE_FLAGS: readonly FlagDef[] = [
  {
    name: "url",
    type: "string",
    env: "ZCP_URL",
    value: "<url>",
    description: "Control plane base URL (required)",
    defaultText: "http://127.0.0.1:8787",
  },
  {
    name: "api-key",
    type: "string",
    env: "ZCP_API_KEY",
    value: "<key>",
    description:
      "Operator API key: compile a sample bundle and roll it out over the simulated nodes. Without it the fleet only runs (--duration-s)",
  },
  {
    name: "enrollment-token",
    type: "string",
    env: "ZCP_ENROLLMENT_TOKEN",
    value: "<token>",
    description: "Enrollment token with at least --nodes uses (required)",
  },
  {
    name: "project",
    type: "string",
    env: "ZCP_PROJECT",
    value: "<slug>",
    description: "Project slug",
    defaultText: "demo",
  },
  { name: "nodes", type: "string", value: "<n>", description: "Virtual nodes", defaultText: "100" },
  {
    name: "poll-interval",
    type: "string",
    value: "<dist|server>",
    description: "Seconds between polls (dist: 3, 2-5, 4±1), or `server` to follow poll_after_s",
    defaultText: "2-5",
  },
  {
    name: "heartbeat-interval",
    type: "string",
    value: "<dist|server>",
    description: "Seconds between heartbeats, or `server`",
    defaultText: "10-20",
  },
  {
    name: "activation-delay",
    type: "string",
    value: "<dist>",
    description: "Milliseconds from staged to activated",
    defaultText: "200-1500",
  },
  {
    name: "failure-rate",
    type: "string",
    value: "<0..1>",
    description: "Probability an activation fails (node reports failed, keeps its bundle)",
    defaultText: "0",
  },
  {
    name: "unhealthy-rate",
    type: "string",
    value: "<0..1>",
    description:
      "Probability a node reports unhealthy after activating a bundle (until it runs another)",
    defaultText: "0",
  },
  {
    name: "metrics",
    type: "string",
    multiple: true,
    value: "<spec>",
    description:
      "Heartbeat metric distributions per bundle: [*|new|none|<id prefix>:]error_rate=0.5±0.2,latency=80±10,requests=1000±100,cpu=30±5,memory=40±5",
  },
  {
    name: "churn",
    type: "string",
    value: "<fraction/min>",
    description:
      "Fraction of online nodes that drop out per minute and come back after --churn-downtime",
    defaultText: "0",
  },
  {
    name: "churn-downtime",
    type: "string",
    value: "<dist>",
    description: "Seconds a churned node stays away",
    defaultText: "10-30",
  },
  {
    name: "concurrency",
    type: "string",
    value: "<n>",
    description: "Most HTTP requests in flight at once (bounds the load on the control plane)",
    defaultText: "64",
  },
  {
    name: "auth",
    type: "string",
    value: "key|jwt",
    description: "Node authentication",
    defaultText: "key",
  },
  {
    name: "label",
    type: "string",
    multiple: true,
    value: "<key=value>",
    description: "Extra label on every node (sim_run=<run id> is always set)",
  },
  {
    name: "config",
    type: "string",
    value: "<file.kdl>",
    description: "Config to compile instead of the built-in sample (single file)",
  },
  {
    name: "strategy",
    type: "string",
    value: "<strategy>",
    description: "rolling, all_at_once, canary or blue_green",
    defaultText: "rolling",
  },
  {
    name: "batch-percentage",
    type: "string",
    value: "<pct>",
    description: "Rolling batch size in percent of the target",
    defaultText: "10",
  },
  {
    name: "rollout-timeout-s",
    type: "string",
    value: "<s>",
    description: "Give up waiting for the rollout after this long",
    defaultText: "1800",
  },
  {
    name: "compile-timeout-s",
    type: "string",
    value: "<s>",
    description: "Give up waiting for compilation after this long",
    defaultText: "120",
  },
  {
    name: "duration-s",
    type: "string",
    value: "<s>",
    description: "Without --api-key: run the fleet this long (default: until Ctrl-C)",
  },
  {
    name: "no-push",
    type: "boolean",
    description:
      "Nodes poll only (no push socket). By default each node holds GET …/socket like zentinel-agent",
  },
  {
    name: "no-telemetry",
    type: "boolean",
    description:
      "Nodes send no POST …/telemetry. By default each heartbeat is followed by per-service deltas drawn from the bundle's metric distributions",
  },
  {
    name: "no-download",
    type: "boolean",
    description: "Do not download/verify archives (pure API load)",
  },
  {
    name: "request-timeout-s",
    type: "string",
    value: "<s>",
    description: "Timeout of each HTTP attempt",
    defaultText: "15",
  },
  {
    name: "progress-interval-s",
    type: "string",
    value: "<s>",
    description: "Seconds between progress lines",
    defaultText: "5",
  },
  {
    name: "seed",
    type: "string",
    value: "<n>",
    description: "Seed of the random generator (reproducible timing and faults)",
  },
  {
    name: "log-level",
    type: "string",
    value: "<level>",
    description: "Node-level logs (JSON lines on stderr)",
    defaultText: "warn",
  },
  { name: "help", type: "boolean", description: "Show this help" },
];

/** `--help` text. */
export function simulateHelp(): string {
  return `Fleet simulator: N virtual zentinel nodes in one process, speaking the real node protocol.

Usage: npm run simulate -- --url <url> --api-key <operator key> --enrollment-token <token> --nodes <N>

With --api-key it enrolls the nodes, compiles a sample config, starts a rolling rollout over
them (batches of 10 %), follows it to the end and prints a summary whose last line is the
verdict. Exit code 0 only when the rollout completed and no request failed.

Options:
${renderFlagHelp(SIMULATE_FLAGS)}
`;
}

/** What the command line asks for. */
export type SimulateCli =
  | { readonly kind: "help" }
  | { readonly kind: "run"; readonly options: SimulationOptions; readonly logLevel: LogLevel };

function dist(flags: Flags, name: string, fallback: string): Distribution {
  const text = flags.string(name) ?? fallback;
  try {
    return parseDistribution(text);
  } catch (error) {
    throw new UsageError(`--${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function intervalDist(flags: Flags, name: string, fallback: string): Distribution | "server" {
  return flags.string(name) === "server" ? "server" : dist(flags, name, fallback);
}

function probability(flags: Flags, name: string): number {
  const p = flags.number(name, 0, 0);
  if (p > 1) {
    throw new UsageError(`--${name} must be between 0 and 1`);
  }
  return p;
}

function readConfig(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--config: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const STRATEGIES = ["rolling", "all_at_once", "canary", "blue_green"] as const;

/** Parses the simulator's command line. Throws {@link UsageError}. */
export function parseSimulateCli(argv: readonly string[], env: NodeJS.ProcessEnv): SimulateCli {
  const flags = parseFlags(SIMULATE_FLAGS, argv, env);
  if (flags.bool("help")) {
    return { kind: "help" };
  }
  const enrollmentToken = flags.string("enrollment-token");
  if (enrollmentToken === undefined) {
    throw new UsageError("--enrollment-token (ZCP_ENROLLMENT_TOKEN) is required");
  }
  const strategy = flags.string("strategy") ?? "rolling";
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    throw new UsageError(`--strategy must be one of ${STRATEGIES.join(", ")}`);
  }
  const auth = flags.string("auth") ?? "key";
  if (auth !== "key" && auth !== "jwt") {
    throw new UsageError("--auth must be key or jwt");
  }
  const logLevel = (flags.string("log-level") ?? "warn") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  let metrics: SimulationOptions["behaviour"]["metrics"];
  try {
    metrics = parseMetricsRules(flags.list("metrics"));
  } catch (error) {
    throw new UsageError(
      `--metrics: ${error instanceof DistributionError ? error.message : String(error)}`,
    );
  }
  const nodes = flags.number("nodes", 100, 1);
  const concurrency = flags.number("concurrency", 64, 1);
  if (!Number.isInteger(nodes) || !Number.isInteger(concurrency)) {
    throw new UsageError("--nodes and --concurrency must be integers");
  }
  const configFile = flags.string("config");
  const seed = flags.optionalNumber("seed");
  const options: SimulationOptions = {
    url: (flags.string("url") ?? "http://127.0.0.1:8787").replace(/\/+$/, ""),
    project: flags.string("project") ?? "demo",
    enrollmentToken,
    apiKey: flags.string("api-key"),
    nodes,
    behaviour: {
      pollIntervalS: intervalDist(flags, "poll-interval", "2-5"),
      heartbeatIntervalS: intervalDist(flags, "heartbeat-interval", "10-20"),
      activationDelayMs: dist(flags, "activation-delay", "200-1500"),
      failureRate: probability(flags, "failure-rate"),
      unhealthyRate: probability(flags, "unhealthy-rate"),
      metrics,
      download: !flags.bool("no-download"),
      maxBackoffMs: 30_000,
      push: !flags.bool("no-push"),
      telemetry: !flags.bool("no-telemetry"),
    },
    concurrency,
    churnPerMin: flags.number("churn", 0, 0),
    churnDowntimeS: dist(flags, "churn-downtime", "10-30"),
    auth,
    labels: parseKeyValues(flags.list("label"), "label"),
    config: configFile === undefined ? undefined : readConfig(configFile),
    strategy: strategy as SimulationOptions["strategy"],
    batchPercentage: flags.number("batch-percentage", 10, 0.01),
    rolloutTimeoutS: flags.number("rollout-timeout-s", 1800, 1),
    compileTimeoutS: flags.number("compile-timeout-s", 120, 1),
    durationS: flags.optionalNumber("duration-s", 0),
    requestTimeoutMs: flags.number("request-timeout-s", 15, 0.1) * 1000,
    progressIntervalS: flags.number("progress-interval-s", 5, 0.1),
    random: seed === undefined ? Math.random : seededRandom(seed),
  };
  return { kind: "run", options, logLevel };
}
