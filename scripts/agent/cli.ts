/**
 * The agent's command-line program: parse options, start, run (or one cycle with `--once`),
 * and map the result to an exit code (see `agentHelp`). Kept apart from main.ts so tests can
 * call it without starting a process.
 */
import { Agent, AgentFatalError, type CycleReport } from "./agent";
import { UsageError } from "./flags";
import { describe, RequestError } from "./http";
import { createLogger, type Logger } from "./log";
import { agentHelp, EXIT, parseAgentCli } from "./options";
import { AGENT_VERSION } from "./version";

/** Exit code of a `--once` cycle. */
export function onceExitCode(report: CycleReport): number {
  if (report.outcome?.kind === "failed") {
    return EXIT.bundleRejected;
  }
  if (
    report.heartbeatError !== null ||
    report.pollError !== null ||
    report.outcome?.kind === "deferred"
  ) {
    return EXIT.unreachable;
  }
  return EXIT.ok;
}

/** Maps an error that ended the agent to an exit code. */
export function errorExitCode(error: unknown): number {
  if (error instanceof AgentFatalError) {
    return error.kind === "state" ? EXIT.internal : EXIT.enrollment;
  }
  if (error instanceof RequestError) {
    return error.status === 401 || error.status === 403 ? EXIT.enrollment : EXIT.unreachable;
  }
  return EXIT.internal;
}

/** Runs the agent CLI; resolves with the exit code. */
export async function runAgentCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { signal?: AbortSignal; log?: Logger; print?: (text: string) => void } = {},
): Promise<number> {
  const print = options.print ?? ((text: string) => process.stdout.write(text));
  let cli: ReturnType<typeof parseAgentCli>;
  try {
    cli = parseAgentCli(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`zentinel-agent: ${error.message}\nRun with --help for the options.\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (cli.kind === "help") {
    print(agentHelp());
    return EXIT.ok;
  }
  if (cli.kind === "version") {
    print(`zentinel-agent ${AGENT_VERSION}\n`);
    return EXIT.ok;
  }
  const log = options.log ?? createLogger({ level: cli.logLevel });
  const signal = options.signal ?? new AbortController().signal;
  try {
    const agent = await Agent.start(cli.config, { log });
    if (cli.once) {
      const report = await agent.runOnce(signal);
      const code = onceExitCode(report);
      log.info("cycle done", {
        exit_code: code,
        poll: report.poll,
        outcome: report.outcome?.kind ?? null,
        heartbeat_error: report.heartbeatError,
        poll_error: report.pollError,
        active_bundle_id: agent.runtime.active?.bundle_id ?? null,
      });
      return code;
    }
    log.info("agent running", {
      node_id: agent.identity.node_id,
      config_path: agent.configs.entryPath,
      active_bundle_id: agent.runtime.active?.bundle_id ?? null,
    });
    await agent.run(signal);
    await agent.shutdown();
    log.info("agent stopped");
    return EXIT.ok;
  } catch (error) {
    const code = errorExitCode(error);
    log.error("agent stopped on error", { error: describe(error), exit_code: code });
    return code;
  }
}
