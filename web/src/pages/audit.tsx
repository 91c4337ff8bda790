import { useState } from "preact/hooks";
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge, useAction } from "../components/ui";
import { api, download, projectPath, qs } from "../lib/api";
import { useProject } from "../lib/context";
import { dateTime } from "../lib/format";
import { setQuery, useLocation } from "../lib/router";
import type { AuditEntry, AuditVerification, Page } from "../lib/types";
import { useResource } from "../lib/use-resource";

const PAGE_SIZE = 50;

/** `2026-11-22` (date input) → ISO start of that day in local time; blank → undefined. */
const dayStart = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);

/** The project's audit log: filters, the hash-chain check, CSV/JSON export. */
export function AuditPage() {
  const { project } = useProject();
  const { query } = useLocation();
  const action = query.get("action") ?? "";
  const actor = query.get("actor") ?? "";
  const since = query.get("since") ?? "";
  const [pages, setPages] = useState(1);
  const filters = {
    action: action || undefined,
    actor: actor || undefined,
    since: dayStart(since),
  };
  const res = useResource(
    async (signal) => {
      const items: AuditEntry[] = [];
      let cursor: string | undefined;
      let next: string | null = null;
      for (let i = 0; i < pages; i++) {
        const page: Page<AuditEntry> = await api<Page<AuditEntry>>(
          projectPath(project.slug, `/audit-logs${qs({ ...filters, limit: PAGE_SIZE, cursor })}`),
          { signal },
        );
        items.push(...page.items);
        next = page.next_cursor;
        if (!next) {
          break;
        }
        cursor = next;
      }
      return { items, more: next !== null };
    },
    [project.slug, action, actor, since, pages],
    { live: () => true },
  );
  const verify = useAction();
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const exporting = useAction();
  const exportAs = (format: "csv" | "json") =>
    exporting.run(
      () =>
        download(
          projectPath(
            project.slug,
            `/audit-logs/export${qs({ format, action: filters.action, since: filters.since })}`,
          ),
          `audit-${project.slug}.${format}`,
        ),
      `Exported the audit log as ${format.toUpperCase()}`,
    );

  return (
    <>
      <PageTitle
        actions={
          <>
            <button
              type="button"
              class="btn"
              disabled={verify.busy}
              onClick={async () => {
                const result = await verify.run(
                  () => api<AuditVerification>(projectPath(project.slug, "/audit-logs/verify")),
                  "Audit chain checked",
                );
                setVerification(result ?? null);
              }}
            >
              {verify.busy ? "Verifying…" : "Verify chain"}
            </button>
            <button
              type="button"
              class="btn"
              disabled={exporting.busy}
              onClick={() => void exportAs("csv")}
            >
              Export CSV
            </button>
            <button
              type="button"
              class="btn"
              disabled={exporting.busy}
              onClick={() => void exportAs("json")}
            >
              Export JSON
            </button>
          </>
        }
      >
        Audit log
      </PageTitle>
      <ErrorBox error={verify.error} title="Verification failed" />
      <ErrorBox error={exporting.error} title="Export failed" />
      {verification && (
        <div
          class={`alert ${verification.valid ? "alert-ok" : "alert-bad"}`}
          role="status"
          data-testid="verify-result"
        >
          <StatusBadge status={verification.valid ? "valid" : "invalid"} />{" "}
          {verification.valid
            ? `The hash chain is intact: ${verification.checked} entries checked.`
            : `The chain breaks at entry ${verification.first_invalid_seq ?? verification.first_invalid_id}: ${verification.reason ?? "hash mismatch"}.`}
        </div>
      )}
      <form class="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="a-action">Action</label>
          <input
            id="a-action"
            placeholder="rollout.created"
            value={action}
            onChange={(e) => setQuery({ action: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="a-actor">Actor id</label>
          <input
            id="a-actor"
            value={actor}
            onChange={(e) => setQuery({ actor: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="a-since">Since</label>
          <input
            id="a-since"
            type="date"
            value={since}
            onChange={(e) => setQuery({ since: e.currentTarget.value })}
          />
        </div>
      </form>
      <ErrorBox error={res.error} />
      {!res.data && !res.error && <Loading />}
      {res.data && res.data.items.length === 0 && <Empty>No entries match.</Empty>}
      {res.data && res.data.items.length > 0 && (
        <div class="table-wrap">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Resource</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {res.data.items.map((e) => (
                <tr key={e.id}>
                  <td>{e.seq}</td>
                  <td>{dateTime(e.created_at)}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.actor_type} <span class="muted small mono">{e.actor_id.slice(0, 8)}</span>
                  </td>
                  <td>
                    {e.resource_type}{" "}
                    <span class="muted small mono">{e.resource_id?.slice(0, 12) ?? ""}</span>
                  </td>
                  <td>
                    {e.diff ? (
                      <details>
                        <summary>diff</summary>
                        <pre class="json small">{JSON.stringify(e.diff, null, 2)}</pre>
                      </details>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {res.data?.more && (
        <button
          type="button"
          class="btn"
          onClick={() => setPages(pages + 1)}
          disabled={res.loading}
        >
          Load more
        </button>
      )}
    </>
  );
}
