import { FilterSelect } from "../components/filter-select";
import { RolloutProgress } from "../components/progress";
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { useProject } from "../lib/context";
import { actorLabel, humanize, timeAgo } from "../lib/format";
import { bundleLabel, fetchBundles, fetchRollouts } from "../lib/queries";
import { Link, setQuery, useLocation } from "../lib/router";
import { onTypes, useResource } from "../lib/use-resource";

const STATES = [
  "pending_approval",
  "scheduled",
  "running",
  "paused",
  "completed",
  "failed",
  "cancelled",
  "rolling_back",
  "rolled_back",
];
const STRATEGIES = ["rolling", "all_at_once", "canary", "blue_green"];

/** Rollouts, newest first, filterable by state and strategy, with live progress. */
export function RolloutsPage() {
  const { project, can } = useProject();
  const { query } = useLocation();
  const state = query.get("state") ?? "";
  const strategy = query.get("strategy") ?? "";
  const base = `/p/${project.slug}`;
  const res = useResource(
    async (signal) => {
      const [rollouts, bundles] = await Promise.all([
        fetchRollouts(project.slug, { state: state || undefined }, signal),
        fetchBundles(project.slug, signal),
      ]);
      return { rollouts: rollouts.items, bundles: bundles.items };
    },
    [project.slug, state],
    { live: onTypes("rollout") },
  );
  const rows = (res.data?.rollouts ?? []).filter(
    (r) => (!state || r.state === state) && (!strategy || r.strategy === strategy),
  );
  return (
    <>
      <PageTitle
        actions={
          can("rollouts:write") && (
            <Link class="btn btn-primary" href={`${base}/rollouts/new`}>
              New rollout
            </Link>
          )
        }
      >
        Rollouts
      </PageTitle>
      <form class="filters" aria-label="Filter rollouts" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect
          id="r-state"
          label="State"
          value={state}
          options={STATES.map((s) => ({ value: s, label: humanize(s) }))}
          onChange={(v) => setQuery({ state: v })}
        />
        <FilterSelect
          id="r-strategy"
          label="Strategy"
          value={strategy}
          options={STRATEGIES.map((s) => ({ value: s, label: humanize(s) }))}
          onChange={(v) => setQuery({ strategy: v })}
        />
      </form>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && rows.length === 0 && <Empty>No rollouts match.</Empty>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Bundle</th>
                <th scope="col">State</th>
                <th scope="col">Strategy</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link href={`${base}/rollouts/${r.id}`}>
                      {bundleLabel(r.bundle_id, res.data?.bundles)}
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={r.state} />
                  </td>
                  <td>{humanize(r.strategy)}</td>
                  <td class="w-progress">
                    <RolloutProgress progress={r.progress} />
                  </td>
                  <td>
                    {timeAgo(r.created_at)}
                    <div class="muted small">{actorLabel(r.created_by)}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
