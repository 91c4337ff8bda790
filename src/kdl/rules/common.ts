/**
 * Shared helpers for the semantic rules.
 */
import type { DiagnosticSink } from "../diagnostics.js";
import type { BrokenIds, ParsedConfig } from "../schema/types.js";

/** Inputs of every rule. */
export interface RuleContext {
  config: ParsedConfig;
  broken: BrokenIds;
  sink: DiagnosticSink;
  entryFile: string;
}

/**
 * `format_available`: `'a', 'b'` or `(none defined)`. The proxy iterates a HashSet (random
 * order); we sort, which is one of the orders the proxy can print and is deterministic.
 */
export function formatAvailable(ids: Iterable<string>): string {
  const sorted = [...new Set(ids)].sort();
  return sorted.length === 0 ? "(none defined)" : sorted.map((id) => `'${id}'`).join(", ");
}

/** Rust `str::parse::<u16>()`: optional `+`, ASCII digits, at most 65535. */
export function isU16(text: string): boolean {
  return /^\+?\d+$/.test(text) && Number(text.replace("+", "")) <= 0xffff;
}

/** Rust `str::parse::<u32>()`: optional `+`, ASCII digits, at most 4294967295. */
export function parseU32(text: string): number | null {
  if (!/^\+?\d+$/.test(text)) {
    return null;
  }
  const value = Number(text.replace("+", ""));
  return value <= 0xffff_ffff ? value : null;
}
