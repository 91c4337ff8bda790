import { DiffView } from "../components/diff-view";
import { ErrorBox, Loading, PageTitle } from "../components/ui";
import { api, projectPath, qs } from "../lib/api";
import { useProject } from "../lib/context";
import { bundleLabel, fetchBundles } from "../lib/queries";
import { Link, setQuery, useLocation } from "../lib/router";
import type { BundleDiff, CollectionDiff } from "../lib/types";
import { useResource } from "../lib/use-resource";

const COLLECTIONS = ["listeners", "routes", "upstreams", "agents", "filters"] as const;

function CollectionSummary({ name, diff }: { name: string; diff: CollectionDiff }) {
  const n = diff.added.length + diff.removed.length + diff.changed.length;
  if (n === 0) {
    return null;
  }
  return (
    <li>
      <strong>{name}</strong>
      {diff.added.map((id) => (
        <span class="chip chip-add" key={`a${id}`}>
          + {id}
        </span>
      ))}
      {diff.removed.map((id) => (
        <span class="chip chip-del" key={`r${id}`}>
          − {id}
        </span>
      ))}
      {diff.changed.map((c) => (
        <span class="chip chip-mod" key={`c${c.id}`} title={`changed: ${c.fields.join(", ")}`}>
          ~ {c.id} <span class="muted">({c.fields.join(", ")})</span>
        </span>
      ))}
    </li>
  );
}

/** Compares a bundle with another (default: the previous compiled one): structure, then lines. */
export function BundleDiffPage({ id }: { id: string }) {
  const { project } = useProject();
  const { query } = useLocation();
  const against = query.get("against") ?? "";
  const base = `/p/${project.slug}`;
  const res = useResource(
    async (signal) => {
      const [diff, bundles] = await Promise.all([
        api<BundleDiff>(
          projectPath(project.slug, `/bundles/${id}/diff${qs({ against: against || undefined })}`),
          {
            signal,
          },
        ),
        fetchBundles(project.slug, signal),
      ]);
      return { diff, bundles: bundles.items };
    },
    [id, against],
  );
  const bundles = res.data?.bundles;
  const title = `Diff of ${bundleLabel(id, bundles)}`;
  if (!res.data) {
    return (
      <>
        <PageTitle>{title}</PageTitle>
        {res.error ? <ErrorBox error={res.error} /> : <Loading />}
      </>
    );
  }
  const { diff } = res.data;
  const summary = diff.summary;
  const changes = summary
    ? COLLECTIONS.reduce(
        (n, c) =>
          n + summary[c].added.length + summary[c].removed.length + summary[c].changed.length,
        0,
      ) + summary.globals.length
    : null;
  return (
    <>
      <PageTitle>{title}</PageTitle>
      <form class="filters" aria-label="Compare with" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="against">Compare with</label>
          <select
            id="against"
            value={against || diff.against || ""}
            onChange={(e) => setQuery({ against: e.currentTarget.value })}
          >
            {diff.against === null && <option value="">(nothing: first bundle)</option>}
            {(bundles ?? [])
              .filter((b) => b.bundle_id !== id)
              .map((b) => (
                <option key={b.bundle_id} value={b.bundle_id}>
                  {b.version} (#{b.sequence}) · {b.status}
                </option>
              ))}
          </select>
        </div>
        <p class="muted small">
          <Link href={`${base}/bundles/${id}`}>Back to the bundle</Link>
        </p>
      </form>
      <section class="card" aria-labelledby="summary-h">
        <h2 id="summary-h">
          Structural summary{" "}
          {changes !== null && <span class="muted small">({changes} changes)</span>}
        </h2>
        {summary === null && (
          <p class="muted">One side does not validate, so only the text diff is shown.</p>
        )}
        {summary !== null && changes === 0 && (
          <p class="muted">No structural change (formatting or comments only).</p>
        )}
        {summary !== null && (
          <ul class="plain summary" data-testid="diff-summary">
            {COLLECTIONS.map((c) => (
              <CollectionSummary key={c} name={c} diff={summary[c]} />
            ))}
            {summary.globals.length > 0 && (
              <li>
                <strong>global blocks</strong>
                {summary.globals.map((g) => (
                  <span class="chip chip-mod" key={g}>
                    ~ {g}
                  </span>
                ))}
              </li>
            )}
          </ul>
        )}
        <p class="small muted">
          {diff.files
            .map((f) => `${f.path}: ${f.status} (+${f.added} −${f.removed})`)
            .join(" · ") || "No file changed."}
        </p>
      </section>
      <DiffView unified={diff.unified} />
    </>
  );
}
