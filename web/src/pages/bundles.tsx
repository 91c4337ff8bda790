import { FilterSelect } from "../components/filter-select";
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { api, projectPath, qs } from "../lib/api";
import { useProject } from "../lib/context";
import { bytes, timeAgo } from "../lib/format";
import { Link, setQuery, useLocation } from "../lib/router";
import type { BundleSummary, Page } from "../lib/types";
import { onTypes, useResource } from "../lib/use-resource";

const STATUSES = ["pending", "compiling", "compiled", "failed", "revoked"];

/** Bundles, newest first: status, risk and sequence; filter by status; upload. */
export function BundlesPage() {
  const { project, can } = useProject();
  const { query } = useLocation();
  const status = query.get("status") ?? "";
  const base = `/p/${project.slug}`;
  const res = useResource(
    (signal) =>
      api<Page<BundleSummary>>(
        projectPath(project.slug, `/bundles${qs({ limit: 200, status: status || undefined })}`),
        { signal },
      ),
    [project.slug, status],
    { live: onTypes("bundle") },
  );
  return (
    <>
      <PageTitle
        actions={
          can("bundles:write") && (
            <Link class="btn btn-primary" href={`${base}/bundles/new`}>
              Upload config
            </Link>
          )
        }
      >
        Bundles
      </PageTitle>
      <form class="filters" aria-label="Filter bundles" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect
          id="b-status"
          label="Status"
          value={status}
          options={STATUSES.map((s) => ({ value: s, label: s }))}
          onChange={(v) => setQuery({ status: v })}
        />
      </form>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && res.data.items.length === 0 && (
        <Empty>No bundles yet. Upload a zentinel.kdl to create the first one.</Empty>
      )}
      {res.data && res.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Risk</th>
                <th scope="col">Size</th>
                <th scope="col">Source</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {res.data.items.map((b) => (
                <tr key={b.bundle_id} data-testid="bundle-row">
                  <td>{b.sequence}</td>
                  <td>
                    <Link href={`${base}/bundles/${b.bundle_id}`}>{b.version}</Link>
                    <div class="muted small mono">{b.bundle_id.slice(0, 12)}</div>
                  </td>
                  <td>
                    <StatusBadge status={b.status} />
                  </td>
                  <td>
                    {b.risk ? <StatusBadge status={b.risk} label={`${b.risk} risk`} /> : "—"}
                    {b.risk_reasons.length > 0 && (
                      <div class="muted small">{b.risk_reasons.slice(0, 2).join("; ")}</div>
                    )}
                  </td>
                  <td>{bytes(b.size_bytes)}</td>
                  <td>
                    {b.source.type}
                    {b.source.ref ? <span class="muted small"> {b.source.ref}</span> : null}
                  </td>
                  <td>{timeAgo(b.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
