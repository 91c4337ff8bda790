import { FilterSelect } from "../components/filter-select";
import { Labels, parseLabelFilter } from "../components/labels";
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { useProject } from "../lib/context";
import { timeAgo } from "../lib/format";
import { bundleLabel, fetchBundles, fetchNodes, MAX_FETCH_ALL } from "../lib/queries";
import { Link, setQuery, useLocation } from "../lib/router";
import { onTypes, useResource } from "../lib/use-resource";

/** Heartbeats change node rows without events; refresh the list this often anyway. */
const NODES_REFRESH_MS = 15_000;

/** Filterable node list: status and labels (server-side), active bundle (in the browser). */
/** Node statuses the list can filter by; revoked nodes show only when asked for. */
const NODE_STATUS_FILTERS = [
  { value: "online", label: "Online" },
  { value: "offline", label: "Offline" },
  { value: "unknown", label: "Unknown" },
  { value: "revoked", label: "Revoked" },
];

export function NodesPage() {
  const { project } = useProject();
  const { query } = useLocation();
  const status = query.get("status") ?? "";
  const labelText = query.get("label") ?? "";
  const bundle = query.get("bundle") ?? "";
  const base = `/p/${project.slug}`;
  const res = useResource(
    async (signal) => {
      const [nodes, bundles] = await Promise.all([
        fetchNodes(
          project.slug,
          { status: status || undefined, label: parseLabelFilter(labelText) },
          signal,
        ),
        fetchBundles(project.slug, signal),
      ]);
      return { ...nodes, bundles: bundles.items };
    },
    [project.slug, status, labelText],
    { live: onTypes("node"), refreshMs: NODES_REFRESH_MS },
  );
  const rows = (res.data?.items ?? []).filter(
    (n) =>
      !bundle || (bundle === "none" ? n.active_bundle_id === null : n.active_bundle_id === bundle),
  );

  return (
    <>
      <PageTitle>Nodes</PageTitle>
      <form class="filters" aria-label="Filter nodes" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect
          id="f-status"
          label="Status"
          anyLabel="Any (not revoked)"
          value={status}
          options={NODE_STATUS_FILTERS}
          onChange={(v) => setQuery({ status: v })}
        />
        <div class="field">
          <label for="f-label">Labels</label>
          <input
            id="f-label"
            placeholder="region:eu, tier:edge"
            value={labelText}
            aria-describedby="f-label-hint"
            onChange={(e) => setQuery({ label: e.currentTarget.value })}
          />
          <p class="hint" id="f-label-hint">
            key:value pairs; all must match
          </p>
        </div>
        <FilterSelect
          id="f-bundle"
          label="Active bundle"
          value={bundle}
          extra={[{ value: "none", label: "No bundle" }]}
          options={(res.data?.bundles ?? [])
            .filter((b) => b.status === "compiled" || b.status === "revoked")
            .map((b) => ({ value: b.bundle_id, label: `${b.version} (#${b.sequence})` }))}
          onChange={(v) => setQuery({ bundle: v })}
        />
      </form>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && (
        <>
          <p class="muted small" aria-live="polite">
            {rows.length} node{rows.length === 1 ? "" : "s"}
            {res.data.truncated ? ` (first ${MAX_FETCH_ALL} only)` : ""}
          </p>
          {rows.length === 0 ? (
            <Empty>No nodes match.</Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Status</th>
                    <th scope="col">Health</th>
                    <th scope="col">Labels</th>
                    <th scope="col">Bundle</th>
                    <th scope="col">Version</th>
                    <th scope="col">Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((n) => (
                    <tr key={n.id}>
                      <td>
                        <Link href={`${base}/nodes/${n.id}`}>{n.name}</Link>
                      </td>
                      <td>
                        <StatusBadge status={n.status} />
                      </td>
                      <td>{n.health?.status ? <StatusBadge status={n.health.status} /> : "—"}</td>
                      <td>
                        <Labels labels={n.labels} />
                      </td>
                      <td>
                        {bundleLabel(n.active_bundle_id, res.data?.bundles)}
                        {n.desired_bundle_id && n.desired_bundle_id !== n.active_bundle_id && (
                          <span class="muted small">
                            {" "}
                            → {bundleLabel(n.desired_bundle_id, res.data?.bundles)}
                          </span>
                        )}
                      </td>
                      <td>{n.version ?? "—"}</td>
                      <td title={n.last_seen_at ?? ""}>{timeAgo(n.last_seen_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
