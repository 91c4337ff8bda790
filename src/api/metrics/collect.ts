/**
 * The fleet metrics GET /metrics exposes, per project the caller may see: seven grouped
 * aggregate queries per scrape, run in parallel (no per-row work in the Worker).
 */
import type { Principal } from "../../auth/principal";
import { BUNDLE_STATUSES, NODE_STATUSES, type SloStatus } from "../../db/schema";
import type { Services } from "../../services";
import { COMPILE_BUCKETS_S, histogramSamples, type MetricFamily, type Sample } from "./prometheus";
import { isolateInfo, requestSeries } from "./request-counter";

/** Window of the rollout-transition gauge. */
export const TRANSITION_WINDOW_MS = 60 * 60 * 1000;
/** Window of the compile-duration histogram. */
export const COMPILE_WINDOW_MS = 24 * 60 * 60 * 1000;

const ACTIVE_ROLLOUT_STATES = [
  "pending_approval",
  "scheduled",
  "running",
  "paused",
  "rolling_back",
] as const;

/** Which projects a principal's scrape covers: its orgs, or its one project. */
export interface Visibility {
  orgIds: string[];
  projectId: string | null;
}

/** The projects a principal may read (every role reads; an API key is one org or project). */
export function visibilityOf(principal: Principal): Visibility {
  return principal.kind === "api_key"
    ? { orgIds: [principal.orgId], projectId: principal.projectId }
    : { orgIds: [...principal.roles.keys()], projectId: null };
}

interface Row {
  project_id: string;
  slug: string;
  label: string | null;
  n: number;
}

interface HistogramRow {
  project_id: string;
  slug: string;
  n: number;
  sum_ms: number | null;
  /** Cumulative bucket counts, in COMPILE_BUCKETS_S order, as a JSON array. */
  buckets: string;
}

/** Query results the families are built from. */
interface Collected {
  slugs: ReadonlyMap<string, string>;
  nodes: readonly Row[];
  bundles: readonly Row[];
  rollouts: readonly Row[];
  transitions: readonly Row[];
  drift: readonly Row[];
  histogram: readonly HistogramRow[];
  /** Per project: the earliest certificate `not_after` (ms) in `n`. */
  certs: readonly Row[];
  slos: readonly SloMetricRow[];
}

/** An SLO with what the SLI job last computed (`status` JSON, null before its first run). */
interface SloMetricRow {
  slug: string;
  name: string;
  service: string | null;
  objective: string;
  target: number;
  status: string | null;
}

function zeroFilled(
  slugs: ReadonlyMap<string, string>,
  rows: readonly Row[],
  labelName: string,
  labelValues: readonly string[],
): Sample[] {
  const counts = new Map(rows.map((r) => [`${r.project_id} ${r.label}`, r.n]));
  const samples: Sample[] = [];
  for (const [projectId, slug] of slugs) {
    for (const value of labelValues) {
      samples.push({
        labels: { project: slug, [labelName]: value },
        value: counts.get(`${projectId} ${value}`) ?? 0,
      });
    }
  }
  return samples;
}

/** Runs the aggregate queries for the projects in `vis` (in parallel, all indexed). */
async function query(services: Services, vis: Visibility, now: number): Promise<Collected> {
  const { d1 } = services;
  // The tenant filter every query shares (alias p = projects).
  const only = vis.projectId === null ? "" : " AND p.id = ?";
  const filter = `p.org_id IN (${vis.orgIds.map(() => "?").join(", ")})${only}`;
  const params = vis.projectId === null ? vis.orgIds : [...vis.orgIds, vis.projectId];
  const grouped = (table: string, label: string, where: string, ...extra: unknown[]) =>
    d1
      .prepare(
        `SELECT p.id AS project_id, p.slug AS slug, ${label} AS label, COUNT(*) AS n
         FROM ${table} x JOIN projects p ON p.id = x.project_id
         WHERE ${filter} AND ${where}
         GROUP BY p.id, p.slug, label`,
      )
      .bind(...params, ...extra)
      .all<Row>();
  const buckets = COMPILE_BUCKETS_S.map(
    (le) => `SUM(CASE WHEN x.compile_duration_ms <= ${le * 1000} THEN 1 ELSE 0 END)`,
  ).join(", ");
  const states = ACTIVE_ROLLOUT_STATES.map(() => "?").join(", ");
  const [projects, nodes, bundles, rollouts, transitions, drift, histogram, certs, slos] =
    await Promise.all([
      d1
        .prepare(`SELECT p.id AS project_id, p.slug AS slug FROM projects p WHERE ${filter}`)
        .bind(...params)
        .all<{ project_id: string; slug: string }>(),
      grouped("nodes", "x.status", "x.revoked_at IS NULL"),
      grouped("bundles", "x.status", "x.deleted_at IS NULL"),
      grouped("rollouts", "x.state", `x.state IN (${states})`, ...ACTIVE_ROLLOUT_STATES),
      grouped(
        "audit_logs",
        "x.action",
        "x.action LIKE 'rollout.%' AND x.created_at >= ?",
        now - TRANSITION_WINDOW_MS,
      ),
      grouped("drift_events", "'open'", "x.resolved_at IS NULL"),
      d1
        .prepare(
          `SELECT p.id AS project_id, p.slug AS slug, COUNT(*) AS n,
           SUM(x.compile_duration_ms) AS sum_ms, json_array(${buckets}) AS buckets
         FROM bundles x JOIN projects p ON p.id = x.project_id
         WHERE ${filter} AND x.compiled_at >= ? AND x.compile_duration_ms IS NOT NULL
         GROUP BY p.id, p.slug`,
        )
        .bind(...params, now - COMPILE_WINDOW_MS)
        .all<HistogramRow>(),
      d1
        .prepare(
          `SELECT p.id AS project_id, p.slug AS slug, 'cert' AS label, MIN(x.not_after) AS n
         FROM config_certificates x JOIN projects p ON p.id = x.project_id
         WHERE ${filter} GROUP BY p.id, p.slug`,
        )
        .bind(...params)
        .all<Row>(),
      d1
        .prepare(
          `SELECT p.slug AS slug, x.name AS name, x.service AS service, x.objective AS objective,
           x.target AS target, x.status AS status
         FROM slos x JOIN projects p ON p.id = x.project_id
         WHERE ${filter} ORDER BY p.slug, x.name`,
        )
        .bind(...params)
        .all<SloMetricRow>(),
    ]);
  return {
    slugs: new Map(projects.results.map((p) => [p.project_id, p.slug])),
    nodes: nodes.results,
    bundles: bundles.results,
    rollouts: rollouts.results,
    transitions: transitions.results,
    drift: drift.results,
    histogram: histogram.results,
    certs: certs.results,
    slos: slos.results,
  };
}

const NOTHING: Collected = {
  slugs: new Map(),
  nodes: [],
  bundles: [],
  rollouts: [],
  transitions: [],
  drift: [],
  histogram: [],
  certs: [],
  slos: [],
};

function bucketCounts(json: string): number[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.map((v) => (typeof v === "number" ? v : 0)) : [];
}

/** Every metric family for the projects in `vis`. */
export async function collectMetrics(
  services: Services,
  vis: Visibility,
  now: number,
): Promise<MetricFamily[]> {
  const data = vis.orgIds.length === 0 ? NOTHING : await query(services, vis, now);
  return families(data, now);
}

function families(data: Collected, now: number): MetricFamily[] {
  const { slugs, nodes, bundles, rollouts, transitions, drift, histogram, certs, slos } = data;
  const driftCounts = new Map(drift.map((r) => [r.project_id, r.n]));
  const requests = requestSeries();
  const isolate = isolateInfo();
  return [
    {
      name: "zcp_nodes",
      help: "Registered (not revoked) nodes by status.",
      type: "gauge",
      samples: zeroFilled(slugs, nodes, "status", NODE_STATUSES),
    },
    {
      name: "zcp_bundles",
      help: "Bundles (not garbage-collected) by status.",
      type: "gauge",
      samples: zeroFilled(slugs, bundles, "status", BUNDLE_STATUSES),
    },
    {
      name: "zcp_rollouts_active",
      help: "Rollouts that have not finished, by state.",
      type: "gauge",
      samples: zeroFilled(slugs, rollouts, "state", ACTIVE_ROLLOUT_STATES),
    },
    {
      name: "zcp_rollout_transitions_last_hour",
      help: "Rollout audit entries (rollout.* actions) recorded in the last hour, by action.",
      type: "gauge",
      samples: transitions.map((r) => ({
        labels: { project: r.slug, action: r.label ?? "" },
        value: r.n,
      })),
    },
    {
      name: "zcp_drift_events_open",
      help: "Nodes with an open drift event (running something other than their desired bundle).",
      type: "gauge",
      samples: [...slugs].map(([projectId, slug]) => ({
        labels: { project: slug },
        value: driftCounts.get(projectId) ?? 0,
      })),
    },
    {
      name: "zcp_certificate_soonest_expiry_timestamp_seconds",
      help: "Earliest not_after of the project's config-model certificates (projects with none are absent).",
      type: "gauge",
      samples: certs.map((r) => ({ labels: { project: r.slug }, value: Math.floor(r.n / 1000) })),
    },
    ...sloFamilies(slos),
    {
      name: "zcp_bundle_compile_duration_seconds",
      help: "Compile durations of bundles compiled in the last 24 hours.",
      type: "histogram",
      samples: histogram.flatMap((r) =>
        histogramSamples(
          { project: r.slug },
          COMPILE_BUCKETS_S,
          bucketCounts(r.buckets),
          r.n,
          (r.sum_ms ?? 0) / 1000,
        ),
      ),
    },
    {
      name: "zcp_http_requests_total",
      help: "Requests served by this isolate (see the isolate label), by project, method, route and status. A sample of traffic, not a fleet-wide total.",
      type: "counter",
      samples: requests.series
        .filter((s) => slugs.has(s.projectId))
        .map((s) => ({
          labels: {
            project: slugs.get(s.projectId) ?? "",
            method: s.method,
            route: s.route,
            status: String(s.status),
            isolate: isolate.id,
          },
          value: s.count,
        })),
    },
    {
      name: "zcp_isolate_start_time_seconds",
      help: "When the isolate that served this scrape started (its request counters start at zero then).",
      type: "gauge",
      samples: [{ labels: { isolate: isolate.id }, value: Math.floor(isolate.startedAt / 1000) }],
    },
    {
      name: "zcp_metrics_scrape_timestamp_seconds",
      help: "Time the metrics were collected.",
      type: "gauge",
      samples: [{ labels: {}, value: Math.floor(now / 1000) }],
    },
  ];
}

/** Reads a stored SLO status; a row the job has not evaluated yet has none. */
function parseStatus(json: string | null): SloStatus | null {
  if (json === null) {
    return null;
  }
  const parsed: unknown = JSON.parse(json);
  return typeof parsed === "object" && parsed !== null ? (parsed as SloStatus) : null;
}

/**
 * SLI, error budget and burn-rate gauges per SLO, as of the SLI job's last run (every 5 min);
 * a value the job could not compute (no traffic) is absent rather than zero, so an alert on it
 * does not fire on silence.
 */
function sloFamilies(rows: readonly SloMetricRow[]): MetricFamily[] {
  const sli: Sample[] = [];
  const budget: Sample[] = [];
  const burn: Sample[] = [];
  const target: Sample[] = [];
  const computed: Sample[] = [];
  for (const row of rows) {
    const labels = {
      project: row.slug,
      slo: row.name,
      service: row.service ?? "",
      objective: row.objective,
    };
    target.push({ labels, value: row.target });
    const status = parseStatus(row.status);
    if (status === null) {
      continue;
    }
    computed.push({ labels, value: Math.floor(status.computed_at / 1000) });
    if (status.sli !== null) {
      sli.push({ labels, value: status.sli });
    }
    if (status.error_budget_remaining !== null) {
      budget.push({ labels, value: status.error_budget_remaining });
    }
    const windows = Object.entries(status.burn_rates).sort(([a], [b]) => Number(a) - Number(b));
    for (const [windowSeconds, rate] of windows) {
      if (rate !== null) {
        burn.push({ labels: { ...labels, window: `${windowSeconds}s` }, value: rate });
      }
    }
  }
  return [
    {
      name: "zcp_slo_target_percent",
      help: "The SLO's objective: percent of good events over its window.",
      type: "gauge",
      samples: target,
    },
    {
      name: "zcp_slo_sli_percent",
      help: "Percent of good events over the SLO window, as of the SLI job's last run.",
      type: "gauge",
      samples: sli,
    },
    {
      name: "zcp_slo_error_budget_remaining_percent",
      help: "Percent of the error budget left over the SLO window (negative when overspent).",
      type: "gauge",
      samples: budget,
    },
    {
      name: "zcp_slo_burn_rate",
      help: "Error-budget burn rate per alert window (1 = spending exactly the budget).",
      type: "gauge",
      samples: burn,
    },
    {
      name: "zcp_slo_computed_timestamp_seconds",
      help: "When the SLI job last evaluated the SLO.",
      type: "gauge",
      samples: computed,
    },
  ];
}
