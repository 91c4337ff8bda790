/** API shapes of alerts, silences, WAF analytics and SLOs (see the OpenAPI document). */

/** States of an alert rule. */
export type AlertState = "inactive" | "pending" | "firing" | "resolved";

/** An alert rule with its current state. */
export interface AlertRule {
  id: string;
  name: string;
  description: string | null;
  metric: string;
  service: string | null;
  comparator: string;
  threshold: number;
  unit: string;
  window_seconds: number;
  for_seconds: number;
  severity: "info" | "warning" | "critical";
  enabled: boolean;
  state: AlertState;
  state_since: string;
  breach_since: string | null;
  last_value: number | null;
  last_evaluated_at: string | null;
  silenced: boolean;
}

/** A silence. */
export interface AlertSilence {
  id: string;
  rule_id: string | null;
  reason: string | null;
  starts_at: string;
  ends_at: string;
  active: boolean;
  created_by: string | null;
}

/** One state change of a rule. */
export interface AlertHistoryEntry {
  id: string;
  rule_id: string;
  rule_name: string;
  from: AlertState;
  to: AlertState;
  value: number | null;
  notified: "firing" | "resolved" | null;
  at: string;
}

/** GET …/waf/top-rules */
export interface WafTopRules {
  resolution: string;
  items: Array<{ rule_id: string; blocked: number; challenged: number }>;
}

/** GET …/waf/blocks */
export interface WafBlocks {
  step: number;
  points: Array<{ t: string; blocked: number; challenged: number }>;
}

/** GET …/waf/nodes */
export interface WafNodes {
  items: Array<{ node_id: string; node_name: string | null; blocked: number; challenged: number }>;
}

/** A WAF anomaly. */
export interface WafAnomaly {
  id: string;
  rule_id: string;
  direction: "spike" | "drop";
  observed: number;
  expected: number;
  z: number;
  severity: "medium" | "high" | "critical";
  detected_at: string;
}

/** A burn-rate alert policy of an SLO. */
export interface BurnRatePolicy {
  burn_rate: number;
  long_window_seconds: number;
  short_window_seconds: number;
}

/** An SLO with its last computed status. */
export interface Slo {
  id: string;
  name: string;
  description: string | null;
  service: string | null;
  objective: "availability" | "latency";
  target: number;
  latency_threshold_ms: number | null;
  window_days: number;
  alerting: { page: BurnRatePolicy; ticket: BurnRatePolicy };
  status: {
    computed_at: string;
    sli: number | null;
    error_budget_remaining: number | null;
    total: number;
    bad: number;
    burn_rates: Record<string, number | null>;
    firing: Array<"page" | "ticket">;
  } | null;
}
