/**
 * An SLO definition after defaults, and every rule it must satisfy (pure). Routes report all
 * problems at once in the error envelope.
 */
import { LATENCY_BOUNDS_MS } from "../telemetry/buckets";
import { ALERT_LEVELS, type AlertingPolicy, DEFAULT_ALERTING } from "./burn-rate";

/** Longest SLO window: the hour rollups it is computed from are kept 35 days. */
export const MAX_SLO_WINDOW_DAYS = 35;
/** Default rolling window. */
export const DEFAULT_SLO_WINDOW_DAYS = 28;
/** Alert windows are whole minutes between 1 min and 24 h (minute rollups are kept 48 h). */
export const MIN_ALERT_WINDOW_S = 60;
export const MAX_ALERT_WINDOW_S = 86_400;

/** The fields of an SLO that rules apply to. */
export interface SloSpec {
  readonly objective: "availability" | "latency";
  readonly target: number;
  readonly latency_threshold_ms: number | null;
  readonly window_days: number;
  readonly alerting: AlertingPolicy;
}

/** Partial alerting input: every field optional. */
export type AlertingInput = {
  readonly [L in keyof AlertingPolicy]?: Partial<AlertingPolicy[L]> | null;
};

/** `input` over `base` (default: the workbook's policy), field by field. */
export function mergeAlerting(
  input: AlertingInput | null | undefined,
  base: AlertingPolicy = DEFAULT_ALERTING,
): AlertingPolicy {
  return {
    page: { ...base.page, ...stripUndefined(input?.page) },
    ticket: { ...base.ticket, ...stripUndefined(input?.ticket) },
  };
}

function stripUndefined<T extends object>(value: T | null | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (value) {
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && v !== null) {
        out[k as keyof T] = v as T[keyof T];
      }
    }
  }
  return out;
}

/** One problem: a body path and a message. */
export interface SloProblem {
  readonly path: string;
  readonly message: string;
}

/** Every problem of `spec` (empty when valid). */
export function validateSloSpec(spec: SloSpec): SloProblem[] {
  const problems: SloProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!(Number.isFinite(spec.target) && spec.target > 0 && spec.target < 100)) {
    add("target", "must be a percentage strictly between 0 and 100");
  }
  if (spec.objective === "latency") {
    if (spec.latency_threshold_ms === null) {
      add("latency_threshold_ms", "is required for a latency objective");
    } else if (!(LATENCY_BOUNDS_MS as readonly number[]).includes(spec.latency_threshold_ms)) {
      add(
        "latency_threshold_ms",
        `must be a latency bucket bound: ${LATENCY_BOUNDS_MS.join(", ")}`,
      );
    }
  } else if (spec.latency_threshold_ms !== null) {
    add("latency_threshold_ms", "applies to latency objectives only");
  }
  if (
    !Number.isInteger(spec.window_days) ||
    spec.window_days < 1 ||
    spec.window_days > MAX_SLO_WINDOW_DAYS
  ) {
    add("window_days", `must be an integer between 1 and ${MAX_SLO_WINDOW_DAYS}`);
  }
  for (const level of ALERT_LEVELS) {
    const p = spec.alerting[level];
    if (!(Number.isFinite(p.burn_rate) && p.burn_rate > 0)) {
      add(`alerting.${level}.burn_rate`, "must be a positive number");
    }
    for (const field of ["long_window_seconds", "short_window_seconds"] as const) {
      const s = p[field];
      if (
        !Number.isInteger(s) ||
        s % 60 !== 0 ||
        s < MIN_ALERT_WINDOW_S ||
        s > MAX_ALERT_WINDOW_S
      ) {
        add(
          `alerting.${level}.${field}`,
          `must be whole minutes between ${MIN_ALERT_WINDOW_S} and ${MAX_ALERT_WINDOW_S} seconds`,
        );
      }
    }
    if (p.short_window_seconds >= p.long_window_seconds) {
      add(`alerting.${level}.short_window_seconds`, "must be shorter than the long window");
    }
  }
  return problems;
}
