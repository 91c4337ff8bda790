import {
  resolveSloGate,
  type SloBurnRateGate,
  type SloBurnRateGateInput,
  sloGateProblems,
} from "./slo-gate";

/**
 * The rollout specification: the strategy and safety parameters of the rollout create body
 * (`api.md`), after defaults. Field names stay snake_case as on the wire so the route can pass
 * its parsed body through `resolveRolloutSpec` unchanged and the spec can be stored verbatim.
 * `bundle_id`, `target_selector` and `scheduled_at` are not part of it: the route resolves the
 * target into candidate nodes, and the bundle id and schedule (epoch ms) are separate inputs.
 */

/** The rollout strategies, in the order the API documents them. */
export const ROLLOUT_STRATEGIES = ["rolling", "all_at_once", "canary", "blue_green"] as const;

/** How a rollout groups nodes into steps and moves between them. */
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];

/**
 * Health gates checked on a step's nodes, from fresh heartbeats only. A `null` threshold
 * disables that gate. `max_error_rate` is in percent (0–100), as nodes report `error_rate`.
 */
export interface HealthGates {
  readonly heartbeat_healthy: boolean;
  /** Burn-rate comparison of updated vs not-yet-updated nodes (see `slo-gate.ts`). */
  readonly slo_burn_rate: SloBurnRateGate | null;
  readonly max_error_rate: number | null;
  readonly max_latency_ms: number | null;
  readonly max_cpu_percent: number | null;
  readonly max_memory_percent: number | null;
}

/** Canary cohorts and the statistical comparison run after each cohort but the last. */
export interface CanarySpec {
  /** Cumulative percentages of the target, strictly increasing; 100 is appended if missing. */
  readonly steps: readonly number[];
  /** Data is collected for at least this long before a verdict (one look, no peeking). */
  readonly analysis_window_seconds: number;
  /** Confidence level of the one-sided tests; a p-value below 1 − confidence fails the canary. */
  readonly confidence: number;
  /** After this long without enough data for a verdict the canary fails (no data never passes). */
  readonly max_analysis_seconds: number;
  /** Minimum requests per cohort before the error-rate z-test is run. */
  readonly min_request_count: number;
  /** Minimum latency samples (heartbeats) per cohort before the Mann–Whitney test is run. */
  readonly min_latency_samples: number;
  /** Promote to the next cohort as soon as the analysis passes; otherwise wait for `promote`. */
  readonly auto_promote: boolean;
}

/** Blue-green: a green cohort bakes on the new bundle, then a promote moves the rest. */
export interface BlueGreenSpec {
  /** Size of the green cohort, percent of the target, rounded up (at least one node). */
  readonly green_percentage: number;
  /** Promote automatically once green has baked (`bake_seconds`); otherwise wait for `promote`. */
  readonly auto_promote: boolean;
}

/** A complete, defaulted rollout specification. See `api.md` for the wire fields. */
export interface RolloutSpec {
  readonly strategy: RolloutStrategy;
  readonly batch_size: number;
  readonly batch_percentage: number | null;
  /** Step nodes that may be unavailable, failed or failing gates while the step proceeds. */
  readonly max_unavailable: number;
  /** Per step: time from the step's assignments until its nodes are active and healthy. */
  readonly progress_deadline_seconds: number;
  /** Soak time after a step's nodes are active and healthy, with gates still watched. */
  readonly bake_seconds: number;
  readonly health_gates: HealthGates;
  readonly auto_rollback: boolean;
  readonly canary: CanarySpec;
  readonly blue_green: BlueGreenSpec;
  /** Gates must fail continuously this long before the step fails (absorbs one bad heartbeat). */
  readonly gate_failure_seconds: number;
  /** Time allowed for every touched node to report its previous bundle active again. */
  readonly rollback_deadline_seconds: number;
}

/** What a caller may send: every field optional, `null` meaning "use the default". */
export interface RolloutSpecInput {
  readonly strategy?: RolloutStrategy | null;
  readonly batch_size?: number | null;
  readonly batch_percentage?: number | null;
  readonly max_unavailable?: number | null;
  readonly progress_deadline_seconds?: number | null;
  readonly bake_seconds?: number | null;
  readonly health_gates?:
    | (Partial<Omit<HealthGates, "slo_burn_rate">> & {
        readonly slo_burn_rate?: SloBurnRateGateInput | null;
      })
    | null;
  readonly auto_rollback?: boolean | null;
  readonly canary?: Partial<CanarySpec> | null;
  readonly blue_green?: Partial<BlueGreenSpec> | null;
  readonly gate_failure_seconds?: number | null;
  /** Defaults to `progress_deadline_seconds`. */
  readonly rollback_deadline_seconds?: number | null;
}

/** Default health gates: only a fresh `healthy` heartbeat is required. */
export const DEFAULT_HEALTH_GATES: HealthGates = {
  heartbeat_healthy: true,
  slo_burn_rate: null,
  max_error_rate: null,
  max_latency_ms: null,
  max_cpu_percent: null,
  max_memory_percent: null,
};

/** Default canary parameters (the old engine's steps and window, with a real deadline). */
export const DEFAULT_CANARY: CanarySpec = {
  steps: [5, 25, 50, 100],
  analysis_window_seconds: 300,
  confidence: 0.95,
  max_analysis_seconds: 900,
  min_request_count: 500,
  min_latency_samples: 10,
  auto_promote: true,
};

/** Default blue-green parameters: half the target is green, promotion is an operator action. */
export const DEFAULT_BLUE_GREEN: BlueGreenSpec = { green_percentage: 50, auto_promote: false };

/** Defaults of the scalar fields; `auto_rollback` is on because rollback is the safe default. */
export const DEFAULT_SPEC_SCALARS = {
  strategy: "rolling",
  batch_size: 1,
  batch_percentage: null,
  max_unavailable: 0,
  progress_deadline_seconds: 600,
  bake_seconds: 0,
  auto_rollback: true,
  gate_failure_seconds: 60,
} as const;

/** Fills every missing or `null` field of `input` with its default. Does not validate. */
export function resolveRolloutSpec(input: RolloutSpecInput): RolloutSpec {
  const d = DEFAULT_SPEC_SCALARS;
  const deadline = input.progress_deadline_seconds ?? d.progress_deadline_seconds;
  return {
    strategy: input.strategy ?? d.strategy,
    batch_size: input.batch_size ?? d.batch_size,
    batch_percentage: input.batch_percentage ?? d.batch_percentage,
    max_unavailable: input.max_unavailable ?? d.max_unavailable,
    progress_deadline_seconds: deadline,
    bake_seconds: input.bake_seconds ?? d.bake_seconds,
    health_gates: resolveHealthGates(input.health_gates),
    auto_rollback: input.auto_rollback ?? d.auto_rollback,
    canary: withDefaults(DEFAULT_CANARY, input.canary),
    blue_green: withDefaults(DEFAULT_BLUE_GREEN, input.blue_green),
    gate_failure_seconds: input.gate_failure_seconds ?? d.gate_failure_seconds,
    rollback_deadline_seconds: input.rollback_deadline_seconds ?? deadline,
  };
}

function resolveHealthGates(input: RolloutSpecInput["health_gates"]): HealthGates {
  const { slo_burn_rate: gate, ...thresholds } = input ?? {};
  return {
    ...withDefaults(DEFAULT_HEALTH_GATES, thresholds),
    slo_burn_rate: gate ? resolveSloGate(gate) : null,
  };
}

/** Shallow merge where `undefined` and `null` in `partial` keep the default. */
function withDefaults<T extends object>(defaults: T, partial: Partial<T> | null | undefined): T {
  const out: T = { ...defaults };
  if (partial) {
    for (const key of Object.keys(defaults) as Array<keyof T>) {
      const value = partial[key];
      // `null` on a nullable threshold means "disabled", which is also its default.
      if (value !== undefined && value !== null) {
        out[key] = value;
      }
    }
  }
  return out;
}

/** One problem found by {@link validateRolloutSpec}; the shape of an error envelope detail. */
export interface SpecProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Latency samples kept per cohort during a canary analysis (the most recent ones); bounds the
 * persisted state, so `min_latency_samples` may not exceed it.
 */
export const MAX_LATENCY_SAMPLES_PER_COHORT = 1000;

/** Upper bound for any duration field: one week. */
const MAX_DURATION_SECONDS = 7 * 24 * 3600;

/**
 * Every problem with `spec` (not just the first), as `{path, message}` pairs for the error
 * envelope. An empty list means the spec is valid.
 */
export function validateRolloutSpec(spec: RolloutSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const int = (path: string, value: number, min: number, max: number): void => {
    if (!Number.isInteger(value) || value < min || value > max) {
      add(path, `must be an integer between ${min} and ${max}`);
    }
  };
  const range = (path: string, value: number | null, min: number, max: number): void => {
    if (value !== null && !(Number.isFinite(value) && value >= min && value <= max)) {
      add(path, `must be between ${min} and ${max}`);
    }
  };
  if (!ROLLOUT_STRATEGIES.includes(spec.strategy)) {
    add("strategy", `must be one of ${ROLLOUT_STRATEGIES.join(", ")}`);
  }
  int("batch_size", spec.batch_size, 1, 100_000);
  if (spec.batch_percentage !== null) {
    if (!(spec.batch_percentage > 0 && spec.batch_percentage <= 100)) {
      add("batch_percentage", "must be greater than 0 and at most 100");
    }
    if (spec.batch_size !== 1) {
      add("batch_percentage", "cannot be combined with a batch_size other than 1");
    }
  }
  int("max_unavailable", spec.max_unavailable, 0, 100_000);
  int("progress_deadline_seconds", spec.progress_deadline_seconds, 1, MAX_DURATION_SECONDS);
  int("bake_seconds", spec.bake_seconds, 0, MAX_DURATION_SECONDS);
  int("gate_failure_seconds", spec.gate_failure_seconds, 0, MAX_DURATION_SECONDS);
  int("rollback_deadline_seconds", spec.rollback_deadline_seconds, 1, MAX_DURATION_SECONDS);
  const g = spec.health_gates;
  range("health_gates.max_error_rate", g.max_error_rate, 0, 100);
  range("health_gates.max_latency_ms", g.max_latency_ms, 0, 3_600_000);
  range("health_gates.max_cpu_percent", g.max_cpu_percent, 0, 100);
  range("health_gates.max_memory_percent", g.max_memory_percent, 0, 100);
  if (g.slo_burn_rate !== null) {
    problems.push(...sloGateProblems(g.slo_burn_rate));
  }
  const c = spec.canary;
  if (c.steps.length === 0 || c.steps.length > 20) {
    add("canary.steps", "must list 1 to 20 percentages");
  }
  c.steps.forEach((pct, i) => {
    const previous = i === 0 ? 0 : (c.steps[i - 1] ?? 0);
    if (!(Number.isFinite(pct) && pct > previous && pct <= 100)) {
      add(`canary.steps[${i}]`, "must be strictly increasing percentages in (0, 100]");
    }
  });
  int("canary.analysis_window_seconds", c.analysis_window_seconds, 1, MAX_DURATION_SECONDS);
  int("canary.max_analysis_seconds", c.max_analysis_seconds, 1, MAX_DURATION_SECONDS);
  if (c.max_analysis_seconds < c.analysis_window_seconds) {
    add("canary.max_analysis_seconds", "must be at least canary.analysis_window_seconds");
  }
  range("canary.confidence", c.confidence, 0.5, 0.9999);
  int("canary.min_request_count", c.min_request_count, 1, 1_000_000_000);
  int("canary.min_latency_samples", c.min_latency_samples, 3, MAX_LATENCY_SAMPLES_PER_COHORT);
  if (!(spec.blue_green.green_percentage > 0 && spec.blue_green.green_percentage <= 100)) {
    add("blue_green.green_percentage", "must be greater than 0 and at most 100");
  }
  return problems;
}
