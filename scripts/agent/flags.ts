/**
 * Command-line flags with environment-variable fallbacks (flag wins), on top of
 * `node:util.parseArgs`, plus the `--help` table generated from the same definitions so the
 * documentation cannot drift from the parser.
 */
import { parseArgs } from "node:util";

/** One flag. */
export interface FlagDef {
  /** Long name without the dashes. */
  readonly name: string;
  readonly type: "string" | "boolean";
  /** May be given several times (and as a comma-separated environment variable). */
  readonly multiple?: boolean;
  readonly env?: string;
  /** Placeholder shown in help, e.g. `<url>`. */
  readonly value?: string;
  readonly description: string;
  /** Default as shown in help (applied by the caller). */
  readonly defaultText?: string;
}

/** Raised for unknown flags, missing values and invalid values; exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Parsed flags. */
export interface Flags {
  /** Last value of a string flag, else its environment variable, else undefined. */
  string(name: string): string | undefined;
  /** All values of a multiple flag (environment: comma-separated). */
  list(name: string): string[];
  /** Boolean flag, else its environment variable (`1`, `true`, `yes`). */
  bool(name: string): boolean;
  /** A number (must be finite and ≥ `min`), else `fallback`. */
  number(name: string, fallback: number, min?: number): number;
  /** Like {@link number} without a fallback. */
  optionalNumber(name: string, min?: number): number | undefined;
}

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);

/** Parses `argv` against `defs`; throws {@link UsageError}. */
export function parseFlags(
  defs: readonly FlagDef[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Flags {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const def of defs) {
    options[def.name] = { type: def.type, multiple: def.multiple ?? false };
  }
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const byName = new Map(defs.map((d) => [d.name, d]));
  const envValue = (name: string): string | undefined => {
    const key = byName.get(name)?.env;
    const value = key === undefined ? undefined : env[key];
    return value === undefined || value === "" ? undefined : value;
  };
  const string = (name: string): string | undefined => {
    const value = values[name];
    if (Array.isArray(value)) {
      const last = value.at(-1);
      return typeof last === "string" ? last : undefined;
    }
    return typeof value === "string" ? value : envValue(name);
  };
  const optionalNumber = (name: string, min = Number.NEGATIVE_INFINITY): number | undefined => {
    const text = string(name);
    if (text === undefined) {
      return undefined;
    }
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < min) {
      throw new UsageError(`--${name} must be a number ≥ ${min}, got ${JSON.stringify(text)}`);
    }
    return n;
  };
  return {
    string,
    list(name) {
      const value = values[name];
      if (Array.isArray(value) && value.length > 0) {
        return value.filter((v): v is string => typeof v === "string");
      }
      const text = envValue(name);
      return text === undefined
        ? []
        : text
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
    },
    bool(name) {
      const value = values[name];
      if (typeof value === "boolean") {
        return value;
      }
      const text = envValue(name);
      return text !== undefined && TRUE_WORDS.has(text.toLowerCase());
    },
    number: (name, fallback, min) => optionalNumber(name, min) ?? fallback,
    optionalNumber,
  };
}

/** The flags table of `--help`: flag, environment variable, description and default. */
export function renderFlagHelp(defs: readonly FlagDef[]): string {
  const lines: string[] = [];
  for (const def of defs) {
    const flag = `  --${def.name}${def.value ? ` ${def.value}` : ""}${def.multiple ? " (repeatable)" : ""}`;
    lines.push(flag);
    const meta = [
      def.env ? `env ${def.env}` : null,
      def.defaultText ? `default ${def.defaultText}` : null,
    ]
      .filter((m) => m !== null)
      .join("; ");
    lines.push(`      ${def.description}${meta ? ` [${meta}]` : ""}`);
  }
  return lines.join("\n");
}

/** Parses `key=value` pairs (labels). */
export function parseKeyValues(items: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`--${flag} expects key=value, got ${JSON.stringify(item)}`);
    }
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}
