/**
 * The two strict blocks: `retry-policy` and `circuit-breaker` (`retrypolicy_helper.rs`,
 * `circuitbreaker_helper.rs`, `helpers.rs::extract_u{32,64}_with_limits`). Unknown keys are
 * errors here, and keys are matched on the name AS WRITTEN (kdl-rs `name().to_string()`), so a
 * quoted `"max-attempts"` is an unknown key.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import { childNodes, entryInt, firstEntry, writtenName } from "../values.js";

const U32_MAX = 0xffff_ffffn;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Reads an unsigned integer of `bits` bits that must be present, integral, in range and non-zero. */
export function extractWithLimits(node: Node, bits: 32 | 64, rule: string): bigint {
  const name = writtenName(node);
  const entry = firstEntry(node);
  if (!entry) {
    fail(node, `Tried to parse u${bits} for key ${name} but did not find a value`, rule);
  }
  const value = entryInt(entry);
  if (value === null) {
    fail(node, `Tried to convert value in ${name} to u${bits}, but failed`, rule);
  }
  if (value < 0n || value > (bits === 32 ? U32_MAX : U64_MAX)) {
    fail(node, "out of range integral type conversion attempted", rule);
  }
  if (value === 0n) {
    fail(node, `Implausible value for ${name}`, rule);
  }
  return value;
}

/** `retry-policy { max-attempts N }`: returns max-attempts (default 3). */
export function parseRetryPolicy(node: Node): number {
  let maxAttempts = 3n;
  for (const entry of childNodes(node)) {
    const name = writtenName(entry);
    if (name !== "max-attempts") {
      fail(entry, `Got unknown key ${name}`, "retry-policy");
    }
    maxAttempts = extractWithLimits(entry, 32, "retry-policy");
  }
  return Number(maxAttempts);
}

const CIRCUIT_BREAKER_KEYS = new Map<string, 32 | 64>([
  ["failure-threshold", 32],
  ["success-threshold", 32],
  ["timeout-seconds", 64],
  ["half-open-max-requests", 32],
]);

/** `circuit-breaker { failure-threshold; success-threshold; timeout-seconds; half-open-max-requests }`. */
export function parseCircuitBreaker(node: Node): void {
  for (const entry of childNodes(node)) {
    const name = writtenName(entry);
    const bits = CIRCUIT_BREAKER_KEYS.get(name);
    if (bits === undefined) {
      fail(entry, `Got unknown key ${name}`, "circuit-breaker");
    }
    extractWithLimits(entry, bits, "circuit-breaker");
  }
}
