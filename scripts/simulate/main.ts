/**
 * Entry point of the fleet simulator (`npm run simulate -- …`; `--help` for the options).
 * Ctrl-C stops waiting, stops the nodes and still prints the summary.
 */
import { UsageError } from "../agent/flags";
import { createLogger } from "../agent/log";
import { parseSimulateCli, simulateHelp } from "./options";
import { runSimulation } from "./scenario";

/** Runs the simulator CLI; resolves with the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  let cli: ReturnType<typeof parseSimulateCli>;
  try {
    cli = parseSimulateCli(argv, process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`simulate: ${error.message}\nRun with --help for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (cli.kind === "help") {
    process.stdout.write(simulateHelp());
    return 0;
  }
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort(new Error("interrupted")));
  process.once("SIGTERM", () => controller.abort(new Error("terminated")));
  const log = createLogger({
    level: cli.logLevel,
    write: (line) => process.stderr.write(`${line}\n`),
  });
  const result = await runSimulation(cli.options, {
    log,
    print: (line) => process.stdout.write(`${line}\n`),
    signal: controller.signal,
  });
  return result.exitCode;
}

process.exitCode = await main(process.argv.slice(2));
