/**
 * Structured logs: one JSON object per line (`ts`, `level`, `msg`, then fields), so journald,
 * Loki or `jq` can consume the agent's output without parsing prose.
 */

/** Severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Levels in increasing severity; the index is the rank. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Extra key/value pairs of a log line. */
export type LogFields = Record<string, unknown>;

/** A leveled structured logger. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** Receives each finished line (without the newline). Defaults to stdout. */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

/** Serialises errors (which JSON.stringify renders as `{}`) as their message. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return value.message;
  }
  if (typeof value === "bigint") {
    return value.toString();
  }
  return value;
}

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const minRank = LOG_LEVELS.indexOf(options.level);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < minRank) {
      return;
    }
    const line = { ts: new Date(now()).toISOString(), level, msg, ...base, ...fields };
    write(JSON.stringify(line, replacer));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything (library use, tests that do not inspect logs). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
