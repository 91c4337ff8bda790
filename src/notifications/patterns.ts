/**
 * Event patterns of notification rules: `*` (every event), `prefix.*` (every event whose type
 * starts with `prefix.`, at any depth) or an exact event type. Pure.
 */

/** One dot-separated segment of an event type. */
const SEGMENT = "[a-z0-9_]+";
const EXACT = new RegExp(`^${SEGMENT}(\\.${SEGMENT})+$`);
const PREFIX = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*\\.\\*$`);

/** Longest accepted pattern (event types are short dotted names). */
export const MAX_PATTERN_LENGTH = 100;

/** Why `pattern` is not a valid rule pattern, or null when it is. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return `at most ${MAX_PATTERN_LENGTH} characters`;
  }
  if (pattern === "*" || EXACT.test(pattern) || PREFIX.test(pattern)) {
    return null;
  }
  return "must be '*', 'prefix.*' or an exact event type such as 'rollout.failed' (a-z, 0-9, '_', dot-separated)";
}

/** Whether an event of type `type` matches `pattern` (assumed valid). */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === "*") {
    return true;
  }
  if (pattern.endsWith(".*")) {
    return type.startsWith(pattern.slice(0, -1));
  }
  return pattern === type;
}
