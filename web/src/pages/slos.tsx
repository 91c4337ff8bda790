import { LineChart } from "../components/chart";
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { round, timeAgo } from "../lib/format";
import type { Slo } from "../lib/observability-types";
import type { Page } from "../lib/types";
import { useResource } from "../lib/use-resource";

/** The SLI job runs every 5 minutes. */
const SLO_REFRESH_MS = 60_000;

/** "300" → "5m", "21600" → "6h". */
export function windowLabel(seconds: number): string {
  if (seconds % 86_400 === 0) {
    return `${seconds / 86_400}d`;
  }
  if (seconds % 3600 === 0) {
    return `${seconds / 3600}h`;
  }
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

function BudgetBar({ remaining }: { remaining: number | null }) {
  if (remaining === null) {
    return <span class="muted">no traffic yet</span>;
  }
  const pct = Math.max(0, Math.min(100, remaining));
  return (
    <div class="budget">
      <div
        class={`budget-fill ${remaining < 25 ? "low" : ""}`}
        style={{ width: `${pct}%` }}
        role="progressbar"
        aria-valuenow={Math.round(remaining)}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label="Error budget remaining"
      />
      <span data-testid="budget-remaining">{round(remaining, 1)} % left</span>
    </div>
  );
}

function SloCard({ slo }: { slo: Slo }) {
  const windows = Object.keys(slo.status?.burn_rates ?? {})
    .map(Number)
    .filter((n) => Number.isFinite(n))
    .sort((a, b) => a - b);
  const rates = windows.map((w, i): [number, number] => [
    i,
    slo.status?.burn_rates[String(w)] ?? Number.NaN,
  ]);
  return (
    <section class="card" aria-labelledby={`slo-${slo.id}`} data-testid="slo-card">
      <h2 id={`slo-${slo.id}`}>
        {slo.name}{" "}
        {slo.status?.firing.map((f) => (
          <StatusBadge key={f} status="firing" label={`${f} alert`} />
        ))}
      </h2>
      <p class="muted">
        {slo.objective === "availability"
          ? "Availability"
          : `Latency under ${slo.latency_threshold_ms ?? "?"} ms`}{" "}
        ≥ {slo.target} % over {slo.window_days} days · {slo.service ?? "whole project"}
      </p>
      {slo.status === null ? (
        <Empty>Not computed yet (the SLI job runs every 5 minutes).</Empty>
      ) : (
        <>
          <dl class="facts">
            <dt>SLI</dt>
            <dd>{slo.status.sli === null ? "no traffic" : `${round(slo.status.sli, 3)} %`}</dd>
            <dt>Error budget</dt>
            <dd>
              <BudgetBar remaining={slo.status.error_budget_remaining} />
            </dd>
            <dt>Computed</dt>
            <dd>{timeAgo(slo.status.computed_at)}</dd>
          </dl>
          <LineChart
            title="Burn rate by window"
            unit="×"
            bars
            xLabels={windows.map(windowLabel)}
            series={[{ name: "burn rate", tone: "c2", points: rates }]}
            thresholds={[
              { value: slo.alerting.page.burn_rate, label: "page" },
              { value: slo.alerting.ticket.burn_rate, label: "ticket" },
            ]}
          />
        </>
      )}
    </section>
  );
}

/** SLOs: SLI, error budget remaining and burn rates per alert window, with page/ticket limits. */
export function SlosPage() {
  const { project } = useProject();
  const path = projectPath(project.slug, "/slos");
  const res = useResource((signal) => api<Page<Slo>>(`${path}?limit=100`, { signal }), [path], {
    refreshMs: SLO_REFRESH_MS,
  });
  return (
    <>
      <PageTitle>SLOs</PageTitle>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && res.data.items.length === 0 && (
        <Empty>
          No SLOs yet. Create one with <code>POST /api/v1/projects/{project.slug}/slos</code>.
        </Empty>
      )}
      {res.data && res.data.items.length > 0 && (
        <div class="grid2">
          {res.data.items.map((s) => (
            <SloCard key={s.id} slo={s} />
          ))}
        </div>
      )}
    </>
  );
}
