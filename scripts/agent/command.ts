/**
 * Running operator-supplied commands (`--validate-command`, `--reload-command`) without a shell:
 * the command line is split into argv here, so a config path with spaces or shell
 * metacharacters can never be interpreted by a shell.
 */
import { execFile } from "node:child_process";

/** Placeholder replaced by the staged entry config path. */
export const CONFIG_PLACEHOLDER = "{config}";

/** Raised for a command line that cannot be split (unbalanced quotes). */
export class CommandLineError extends Error {
  override name = "CommandLineError";
}

/**
 * Splits a command line into arguments: whitespace separates, single quotes keep everything
 * literally, double quotes keep whitespace and honour `\"` and `\\`, a backslash outside quotes
 * escapes the next character. No variable expansion, globbing or operators.
 */
export function splitCommand(line: string): string[] {
  const args: string[] = [];
  let current = "";
  let inArg = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (quote === "'") {
      if (ch === "'") {
        quote = null;
      } else {
        current += ch;
      }
      continue;
    }
    if (quote === '"') {
      if (ch === '"') {
        quote = null;
      } else if (ch === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) {
        current += line.charAt(++i);
      } else {
        current += ch;
      }
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inArg = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      current += line.charAt(++i);
      inArg = true;
    } else if (/\s/.test(ch)) {
      if (inArg) {
        args.push(current);
        current = "";
        inArg = false;
      }
    } else {
      current += ch;
      inArg = true;
    }
  }
  if (quote !== null) {
    throw new CommandLineError(`unbalanced ${quote} quote in ${JSON.stringify(line)}`);
  }
  if (inArg) {
    args.push(current);
  }
  if (args.length === 0) {
    throw new CommandLineError("the command is empty");
  }
  return args;
}

/** Replaces {@link CONFIG_PLACEHOLDER} in every argument. */
export function withConfigPath(argv: readonly string[], configPath: string): string[] {
  return argv.map((arg) => arg.split(CONFIG_PLACEHOLDER).join(configPath));
}

/** How a command ended. `code` is null when it was killed by a signal or could not start. */
export interface CommandResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  readonly spawnError: string | null;
}

/** Output kept per stream; a validator that prints megabytes is cut, not buffered unbounded. */
const OUTPUT_MAX_BYTES = 256 * 1024;

/** Runs argv[0] with the rest as arguments; resolves (never rejects) with the outcome. */
export function runCommand(
  argv: readonly string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) {
    return Promise.resolve({
      ok: false,
      code: null,
      signal: null,
      timedOut: false,
      stdout: "",
      stderr: "",
      spawnError: "empty command",
    });
  }
  return new Promise((resolvePromise) => {
    execFile(
      file,
      args,
      {
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: OUTPUT_MAX_BYTES,
        env: options.env ?? process.env,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
        const numericCode = typeof err?.code === "number" ? err.code : null;
        const spawnError =
          typeof err?.code === "string" && err.code !== "ERR_CHILD_PROCESS_STDIO_MAXBUFFER"
            ? err.message
            : null;
        resolvePromise({
          ok: err === null,
          code: err === null ? 0 : numericCode,
          signal: err?.signal ?? null,
          timedOut: err?.killed === true && err.signal === "SIGKILL",
          stdout: String(stdout),
          stderr: String(stderr),
          spawnError,
        });
      },
    );
  });
}

/** One-line summary of a failed command for reports and logs. */
export function describeFailure(argv: readonly string[], result: CommandResult): string {
  const name = argv[0] ?? "command";
  if (result.spawnError !== null) {
    return `${name} could not run: ${result.spawnError}`;
  }
  if (result.timedOut) {
    return `${name} timed out`;
  }
  if (result.signal !== null) {
    return `${name} was killed by ${result.signal}`;
  }
  return `${name} exited with code ${result.code ?? "?"}`;
}
