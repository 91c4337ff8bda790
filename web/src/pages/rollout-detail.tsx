import { useEffect, useState } from "preact/hooks";
import { AnalysisView } from "../components/analysis";
import { FilterSelect } from "../components/filter-select";
import { RolloutProgress } from "../components/progress";
import { currentStepState, RolloutActions } from "../components/rollout-actions";
import { RolloutTelemetryCharts } from "../components/rollout-telemetry";
import { ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { actorLabel, dateTime, humanize, timeAgo } from "../lib/format";
import { ACTIVE_ROLLOUT_STATES, bundleLabel, fetchBundles } from "../lib/queries";
import { Link, setQuery, useLocation } from "../lib/router";
import type { Page, Rollout, RolloutNode } from "../lib/types";
import { useResource } from "../lib/use-resource";

/**
 * Per-node progress inside a step (a node activating) emits no event, only step and state
 * changes do: refresh an active rollout this often on top of the live messages.
 */
const ACTIVE_REFRESH_MS = 5_000;

function Steps({ rollout }: { rollout: Rollout }) {
  const started = new Map((rollout.steps ?? []).map((s) => [s.index, s]));
  // Every planned step, started or not, so the timeline shows what is still ahead.
  const indexes = Array.from({ length: rollout.step_count }, (_, i) => i);
  return (
    <ol class="timeline" data-testid="steps">
      {indexes.map((index) => {
        const s = started.get(index);
        const state =
          s?.state ?? (ACTIVE_ROLLOUT_STATES.has(rollout.state) ? "pending" : "skipped");
        return (
          <li
            key={index}
            class={`step step-${state}`}
            aria-current={index === rollout.current_step ? "step" : undefined}
          >
            <div class="row wrap">
              <strong>Step {index + 1}</strong>
              <StatusBadge status={state} />
              {s && (
                <span class="muted small">
                  {s.node_count} node{s.node_count === 1 ? "" : "s"}
                  {s.started_at ? ` · started ${timeAgo(s.started_at)}` : ""}
                  {s.completed_at ? ` · finished ${timeAgo(s.completed_at)}` : ""}
                </span>
              )}
            </div>
            {s?.error && <p class="field-error">{s.error.message}</p>}
            {s?.analysis && Object.keys(s.analysis).length > 0 && (
              <details open={index === rollout.current_step}>
                <summary>Gate evaluations and analysis</summary>
                <AnalysisView analysis={s.analysis} />
              </details>
            )}
            {s?.error && Object.keys(s.error.details).length > 0 && (
              <details>
                <summary>Failure evidence</summary>
                <AnalysisView analysis={s.error.details} />
              </details>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** One rollout: state, progress, steps with analysis, per-node states, and its controls. */
export function RolloutDetailPage({ id }: { id: string }) {
  const { project } = useProject();
  const { query } = useLocation();
  const nodeState = query.get("node_state") ?? "";
  const base = `/p/${project.slug}`;
  const path = projectPath(project.slug, `/rollouts/${id}`);
  const [active, setActive] = useState(true);
  const res = useResource(
    async (signal) => {
      const [rollout, nodes, bundles] = await Promise.all([
        api<Rollout>(path, { signal }),
        api<Page<RolloutNode>>(`${path}/nodes?limit=500`, { signal }).catch(() => null),
        fetchBundles(project.slug, signal),
      ]);
      return { rollout, nodes: nodes?.items ?? [], bundles: bundles.items };
    },
    [path],
    {
      live: (m) => m.resource_id === id || m.resource_type === "node",
      refreshMs: active ? ACTIVE_REFRESH_MS : undefined,
    },
  );
  const isActive = res.data ? ACTIVE_ROLLOUT_STATES.has(res.data.rollout.state) : true;
  useEffect(() => setActive(isActive), [isActive]);
  if (!res.data) {
    return (
      <>
        <PageTitle>Rollout</PageTitle>
        {res.error ? <ErrorBox error={res.error} /> : <Loading />}
      </>
    );
  }
  const { rollout: r, nodes, bundles } = res.data;
  const shown = nodes.filter((n) => !nodeState || n.state === nodeState);
  const phase = ACTIVE_ROLLOUT_STATES.has(r.state) ? currentStepState(r) : null;
  return (
    <>
      <PageTitle actions={<RolloutActions rollout={r} onDone={res.reload} />}>
        Rollout of {bundleLabel(r.bundle_id, bundles)}{" "}
        <span data-testid="rollout-state">
          <StatusBadge status={r.state} />
        </span>
      </PageTitle>
      <ErrorBox error={res.error} title="Refresh failed; showing the last data" />
      <p class="summary-line muted">
        {humanize(r.strategy)} · created {dateTime(r.created_at)} by {actorLabel(r.created_by)}
        {phase ? ` · step ${(r.current_step ?? 0) + 1}/${r.step_count}: ${humanize(phase)}` : ""}
        {r.approvals_required
          ? ` · approvals ${(r.approvals ?? []).filter((a) => a.decision === "approve").length}/${r.approvals_required}`
          : ""}
        {" · "}
        <Link href={`${base}/bundles/${r.bundle_id}`}>bundle</Link>
      </p>
      {r.error && (
        <div class="alert alert-bad" role="alert">
          <strong>{humanize(r.error.reason)}</strong>
          <p>{r.error.message}</p>
        </div>
      )}
      <section class="card" aria-labelledby="progress-h">
        <h2 id="progress-h">
          Progress {ACTIVE_ROLLOUT_STATES.has(r.state) && <span class="badge tone-info">live</span>}
        </h2>
        <RolloutProgress progress={r.progress} />
      </section>
      <RolloutTelemetryCharts path={path} live={ACTIVE_ROLLOUT_STATES.has(r.state)} />
      <div class="grid2">
        <section class="card" aria-labelledby="steps-h">
          <h2 id="steps-h">Steps</h2>
          <Steps rollout={r} />
        </section>
        <section class="card" aria-labelledby="nodes-h">
          <h2 id="nodes-h">Nodes</h2>
          <FilterSelect
            id="node-state"
            label="State"
            inline
            value={nodeState}
            options={[...new Set(nodes.map((n) => n.state))].map((s) => ({
              value: s,
              label: humanize(s),
            }))}
            onChange={(v) => setQuery({ node_state: v })}
          />
          <div class="table-wrap">
            <table data-testid="rollout-nodes">
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Step</th>
                  <th scope="col">State</th>
                  <th scope="col">Previous bundle</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((n) => (
                  <tr key={n.node_id}>
                    <td>
                      <Link href={`${base}/nodes/${n.node_id}`}>
                        {n.node_name ?? n.node_id.slice(0, 8)}
                      </Link>
                      {n.error && <div class="field-error small">{n.error}</div>}
                    </td>
                    <td>{n.step_index === null ? "—" : n.step_index + 1}</td>
                    <td>
                      <StatusBadge status={n.state} />
                    </td>
                    <td>
                      {n.previous_bundle_id || n.state !== "pending"
                        ? bundleLabel(n.previous_bundle_id, bundles)
                        : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>
      {r.spec && (
        <details class="card">
          <summary>Specification</summary>
          <pre class="json">{JSON.stringify(r.spec, null, 2)}</pre>
        </details>
      )}
    </>
  );
}
