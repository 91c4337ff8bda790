/**
 * The `slo_burn_rate` health gate inside the rollout engine (pure). The shell reads the SLO's
 * short-window counts of the rollout's bundle (nodes already updated) and of every other bundle
 * (nodes not yet updated) from the project's telemetry aggregator; the verdict is
 * `evaluateSloGate` (src/domain/slo/gate.ts). A failing gate fails the step (and rolls back
 * when `auto_rollback` is on) or pauses the rollout, as the gate's `action` says.
 */
import { evaluateSloGate, type SloCohorts, type SloGateVerdict } from "../slo/gate";

/** The SLO as it was when the rollout was created (later edits do not change a rollout). */
export interface SloSnapshot {
  readonly service: string | null;
  readonly objective: "availability" | "latency";
  readonly target: number;
  readonly latency_threshold_ms: number | null;
  /** The SLO's page burn rate: the gate's threshold unless `max_burn_rate` is set. */
  readonly page_burn_rate: number;
}

/** The gate in a rollout spec (wire names). */
export interface SloBurnRateGate {
  readonly slo_id: string;
  /** Null: the SLO's page burn rate. */
  readonly max_burn_rate: number | null;
  readonly window_seconds: number;
  readonly min_events: number;
  readonly confidence: number;
  readonly action: "fail" | "pause";
  /** Filled in when the rollout is created; null only in a create body. */
  readonly slo: SloSnapshot | null;
}

/** What a create body may send for the gate. */
export interface SloBurnRateGateInput {
  readonly slo_id: string;
  readonly max_burn_rate?: number | null;
  readonly window_seconds?: number | null;
  readonly min_events?: number | null;
  readonly confidence?: number | null;
  readonly action?: "fail" | "pause" | null;
  readonly slo?: SloSnapshot | null;
}

/** Gate defaults: 5-minute window, 200 events, 95 % confidence, fail (and roll back). */
export const SLO_BURN_RATE_DEFAULTS = {
  window_seconds: 300,
  min_events: 200,
  confidence: 0.95,
  action: "fail",
} as const;

/** The longest comparison window: the aggregator holds two hours of minutes. */
export const MAX_SLO_GATE_WINDOW_S = 3600;

/** The gate with defaults. */
export function resolveSloGate(input: SloBurnRateGateInput): SloBurnRateGate {
  return {
    slo_id: input.slo_id,
    max_burn_rate: input.max_burn_rate ?? null,
    window_seconds: input.window_seconds ?? SLO_BURN_RATE_DEFAULTS.window_seconds,
    min_events: input.min_events ?? SLO_BURN_RATE_DEFAULTS.min_events,
    confidence: input.confidence ?? SLO_BURN_RATE_DEFAULTS.confidence,
    action: input.action ?? SLO_BURN_RATE_DEFAULTS.action,
    slo: input.slo ?? null,
  };
}

/** Problems of the gate's own fields, as `{path, message}` (paths under health_gates). */
export function sloGateProblems(gate: SloBurnRateGate): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const p = "health_gates.slo_burn_rate";
  if (gate.max_burn_rate !== null && !(gate.max_burn_rate > 0 && gate.max_burn_rate <= 1e6)) {
    out.push({ path: `${p}.max_burn_rate`, message: "must be a positive number" });
  }
  if (
    !Number.isInteger(gate.window_seconds) ||
    gate.window_seconds < 60 ||
    gate.window_seconds > MAX_SLO_GATE_WINDOW_S
  ) {
    out.push({
      path: `${p}.window_seconds`,
      message: `must be an integer between 60 and ${MAX_SLO_GATE_WINDOW_S}`,
    });
  }
  if (!Number.isInteger(gate.min_events) || gate.min_events < 1) {
    out.push({ path: `${p}.min_events`, message: "must be a positive integer" });
  }
  if (!(gate.confidence >= 0.5 && gate.confidence <= 0.9999)) {
    out.push({ path: `${p}.confidence`, message: "must be between 0.5 and 0.9999" });
  }
  if (gate.action !== "fail" && gate.action !== "pause") {
    out.push({ path: `${p}.action`, message: "must be fail or pause" });
  }
  return out;
}

/** The gate's verdict on a tick's cohorts (no SLO snapshot or no cohorts: no data). */
export function sloGateVerdict(
  gate: SloBurnRateGate,
  cohorts: SloCohorts | null | undefined,
): SloGateVerdict | null {
  if (gate.slo === null || !cohorts) {
    return null;
  }
  return evaluateSloGate(
    {
      slo_id: gate.slo_id,
      service: gate.slo.service,
      objective: gate.slo.objective,
      target: gate.slo.target,
      latency_threshold_ms: gate.slo.latency_threshold_ms,
      max_burn_rate: gate.max_burn_rate ?? gate.slo.page_burn_rate,
      window_seconds: gate.window_seconds,
      min_events: gate.min_events,
      confidence: gate.confidence,
      action: gate.action,
    },
    cohorts,
  );
}
