import { type ValidationResult, validateConfig } from "../../../src/kdl/index.js";

/** A minimal valid config; tests append or replace blocks. */
export const BASE_SYSTEM = `system {
    worker-threads 2
}
`;

export const BASE_LISTENERS = `listeners {
    listener "http" {
        address "0.0.0.0:8080"
        protocol "http"
    }
}
`;

export const BASE_UPSTREAMS = `upstreams {
    upstream "backend" {
        target "127.0.0.1:3000"
    }
}
`;

export const BASE_ROUTES = `routes {
    route "api" {
        matches {
            path-prefix "/api"
        }
        upstream "backend"
    }
}
`;

/** The base config plus `extra` appended at the end. */
export function baseConfig(extra = ""): string {
  return BASE_SYSTEM + BASE_LISTENERS + BASE_UPSTREAMS + BASE_ROUTES + extra;
}

/** Validates one in-memory `zentinel.kdl`. */
export function validateText(text: string): ValidationResult {
  return validateConfig({ entry: "zentinel.kdl", files: { "zentinel.kdl": text } });
}

/** Validates several files with `zentinel.kdl` as the entry. */
export function validateFiles(files: Record<string, string>): ValidationResult {
  return validateConfig({ entry: "zentinel.kdl", files });
}

/** Messages of all errors, in order. */
export function messages(result: ValidationResult): string[] {
  return result.errors.map((error) => error.message);
}

/** The first error's message, or undefined. */
export function firstMessage(result: ValidationResult): string | undefined {
  return result.errors[0]?.message;
}

/** 1-based line number of the first line of `text` containing `needle` (throws if absent). */
export function lineOf(text: string, needle: string, occurrence = 1): number {
  const lines = text.split("\n");
  let seen = 0;
  for (let index = 0; index < lines.length; index += 1) {
    if (lines[index]?.includes(needle)) {
      seen += 1;
      if (seen === occurrence) {
        return index + 1;
      }
    }
  }
  throw new Error(`"${needle}" not found`);
}

/** 1-based column where `needle` starts on line `line`. */
export function columnOf(text: string, line: number, needle: string): number {
  const content = text.split("\n")[line - 1] ?? "";
  const index = content.indexOf(needle);
  if (index < 0) {
    throw new Error(`"${needle}" not on line ${line}`);
  }
  return index + 1;
}
