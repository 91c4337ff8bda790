import { RolloutProgress } from "../components/progress";
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { actorLabel, humanize, timeAgo } from "../lib/format";
import {
  ACTIVE_ROLLOUT_STATES,
  bundleLabel,
  fetchBundles,
  fetchNodes,
  fetchRollouts,
} from "../lib/queries";
import { Link } from "../lib/router";
import type { AuditEntry, BundleSummary, FleetNode, Page, Rollout } from "../lib/types";
import { useResource } from "../lib/use-resource";

/** A node not heard from for this long is listed as stale (before the cron marks it offline). */
const STALE_AFTER_MS = 90_000;
/** Heartbeats change node data without events: refresh the overview this often anyway. */
const OVERVIEW_REFRESH_MS = 15_000;
const STATUSES = ["online", "offline", "unknown"] as const;
/** Resource types with a detail page, by the page's section. */
const RESOURCE_PAGES: Record<string, string> = {
  bundle: "bundles",
  node: "nodes",
  rollout: "rollouts",
};
/** Audit entries in the "Recent activity" card. */
const ACTIVITY_SHOWN = 8;

interface Failure {
  key: string;
  at: string;
  href: string;
  what: string;
  detail: string;
}

function failures(
  base: string,
  nodes: FleetNode[],
  bundles: BundleSummary[],
  rollouts: Rollout[],
): Failure[] {
  const out: Failure[] = [];
  for (const r of rollouts.filter((x) => x.state === "failed" || x.state === "rolled_back")) {
    out.push({
      key: `r${r.id}`,
      at: r.completed_at ?? r.created_at,
      href: `${base}/rollouts/${r.id}`,
      what: `Rollout ${r.state === "failed" ? "failed" : "rolled back"}`,
      detail: r.error?.message ?? bundleLabel(r.bundle_id, bundles),
    });
  }
  for (const b of bundles.filter((x) => x.status === "failed")) {
    out.push({
      key: `b${b.bundle_id}`,
      at: b.created_at,
      href: `${base}/bundles/${b.bundle_id}`,
      what: "Bundle failed to compile",
      detail: `${b.version} (#${b.sequence})`,
    });
  }
  for (const n of nodes.filter((x) => x.health?.status === "unhealthy")) {
    out.push({
      key: `n${n.id}`,
      at: n.last_heartbeat_at ?? n.registered_at,
      href: `${base}/nodes/${n.id}`,
      what: "Node unhealthy",
      detail: n.name,
    });
  }
  return out.sort((a, b) => b.at.localeCompare(a.at)).slice(0, 10);
}

/** The dashboard page of a resource named in the audit log, or its short id when it has none. */
function ResourceLink({ base, type, id }: { base: string; type: string; id: string | null }) {
  if (!id) {
    return null;
  }
  const section = RESOURCE_PAGES[type];
  return section ? (
    <Link href={`${base}/${section}/${id}`}>{id.slice(0, 10)}</Link>
  ) : (
    <span>{id.slice(0, 10)}</span>
  );
}

/** Fleet overview: node counts, bundles in the fleet, active rollouts, failures, stale nodes. */
export function OverviewPage() {
  const { project } = useProject();
  const base = `/p/${project.slug}`;
  const res = useResource(
    async (signal) => {
      const [nodes, bundles, rollouts, activity] = await Promise.all([
        fetchNodes(project.slug, {}, signal),
        fetchBundles(project.slug, signal),
        fetchRollouts(project.slug, {}, signal).catch(() => null),
        api<Page<AuditEntry>>(projectPath(project.slug, `/audit-logs?limit=${ACTIVITY_SHOWN}`), {
          signal,
        }).catch(() => null),
      ]);
      return {
        nodes: nodes.items,
        bundles: bundles.items,
        rollouts: rollouts?.items ?? null,
        activity: activity?.items ?? null,
      };
    },
    [project.slug],
    { live: () => true, refreshMs: OVERVIEW_REFRESH_MS },
  );
  if (!res.data) {
    return (
      <>
        <PageTitle>Overview</PageTitle>
        {res.error ? <ErrorBox error={res.error} /> : <Loading />}
      </>
    );
  }
  const { nodes, bundles, rollouts, activity } = res.data;
  const total = nodes.length;
  const byStatus = new Map<string, number>();
  const byBundle = new Map<string | null, number>();
  for (const n of nodes) {
    byStatus.set(n.status, (byStatus.get(n.status) ?? 0) + 1);
    byBundle.set(n.active_bundle_id, (byBundle.get(n.active_bundle_id) ?? 0) + 1);
  }
  const now = Date.now();
  const stale = nodes
    .filter((n) => !n.last_seen_at || now - Date.parse(n.last_seen_at) > STALE_AFTER_MS)
    .sort((a, b) => (a.last_seen_at ?? "").localeCompare(b.last_seen_at ?? ""));
  const active = (rollouts ?? []).filter((r) => ACTIVE_ROLLOUT_STATES.has(r.state));
  const recent = failures(base, nodes, bundles, rollouts ?? []);

  return (
    <>
      <PageTitle>Overview</PageTitle>
      <ErrorBox error={res.error} title="Refresh failed; showing the last data" />
      <section aria-labelledby="fleet-h" class="stats">
        <h2 id="fleet-h" class="sr-only">
          Nodes by status
        </h2>
        <Link class="stat" href={`${base}/nodes`}>
          <span class="stat-n" data-testid="nodes-total">
            {total}
          </span>
          <span class="stat-l">nodes</span>
        </Link>
        {STATUSES.map((s) => (
          <Link
            class={(byStatus.get(s) ?? 0) > 0 ? `stat stat-${s}` : "stat"}
            href={`${base}/nodes?status=${s}`}
            key={s}
          >
            <span class="stat-n" data-testid={`nodes-${s}`}>
              {byStatus.get(s) ?? 0}
            </span>
            <span class="stat-l">{s}</span>
          </Link>
        ))}
      </section>

      <div class="grid2">
        <section class="card" aria-labelledby="bundles-h">
          <h2 id="bundles-h">Bundles in the fleet</h2>
          {total === 0 ? (
            <Empty>No nodes yet. Create an enrollment token and register a node.</Empty>
          ) : (
            <ul class="bars">
              {[...byBundle]
                .sort((a, b) => b[1] - a[1])
                .map(([id, count]) => (
                  <li key={id ?? "none"}>
                    <div class="bar-label">
                      <span data-testid="bundle-share">
                        {count}/{total} nodes on{" "}
                        {id ? (
                          <Link href={`${base}/bundles/${id}`}>
                            bundle {bundleLabel(id, bundles)}
                          </Link>
                        ) : (
                          "no bundle"
                        )}
                      </span>
                    </div>
                    <div class="bar" aria-hidden="true">
                      <span style={{ width: `${(count / total) * 100}%` }} />
                    </div>
                  </li>
                ))}
            </ul>
          )}
        </section>

        <section class="card" aria-labelledby="rollouts-h">
          <h2 id="rollouts-h">Active rollouts</h2>
          {rollouts === null && <p class="muted">Rollouts are not available on this server yet.</p>}
          {rollouts !== null && active.length === 0 && <Empty>No rollout in progress.</Empty>}
          <ul class="plain">
            {active.map((r) => (
              <li key={r.id} class="rollout-row">
                <div class="row">
                  <Link href={`${base}/rollouts/${r.id}`}>{bundleLabel(r.bundle_id, bundles)}</Link>
                  <StatusBadge status={r.state} />
                  <span class="muted small">{humanize(r.strategy)}</span>
                </div>
                <RolloutProgress progress={r.progress} />
              </li>
            ))}
          </ul>
        </section>

        <section class="card" aria-labelledby="failures-h">
          <h2 id="failures-h">Recent failures</h2>
          {recent.length === 0 ? (
            <Empty>Nothing failed recently.</Empty>
          ) : (
            <ul class="plain">
              {recent.map((f) => (
                <li key={f.key}>
                  <Link href={f.href}>{f.what}</Link> <span class="muted">· {f.detail}</span>{" "}
                  <span class="muted small">{timeAgo(f.at)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section class="card" aria-labelledby="stale-h">
          <h2 id="stale-h">Stale nodes</h2>
          {stale.length === 0 ? (
            <Empty>Every node reported within the last {STALE_AFTER_MS / 1000} s.</Empty>
          ) : (
            <ul class="plain">
              {stale.slice(0, 10).map((n) => (
                <li key={n.id}>
                  <Link href={`${base}/nodes/${n.id}`}>{n.name}</Link>{" "}
                  <StatusBadge status={n.status} />{" "}
                  <span class="muted small">last seen {timeAgo(n.last_seen_at)}</span>
                </li>
              ))}
              {stale.length > 10 && <li class="muted">and {stale.length - 10} more</li>}
            </ul>
          )}
        </section>

        {activity !== null && (
          <section class="card span2" aria-labelledby="activity-h">
            <h2 id="activity-h">Recent activity</h2>
            {activity.length === 0 ? (
              <Empty>Nothing has happened in this project yet.</Empty>
            ) : (
              <ul class="plain activity">
                {activity.map((e) => (
                  <li key={e.id}>
                    <code>{e.action}</code>{" "}
                    <span class="muted">
                      {e.resource_type}{" "}
                      <ResourceLink base={base} type={e.resource_type} id={e.resource_id} /> ·{" "}
                      {actorLabel(`${e.actor_type}:${e.actor_id}`)}
                    </span>{" "}
                    <span class="muted small" title={e.created_at}>
                      {timeAgo(e.created_at)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            <p class="small">
              <Link href={`${base}/audit`}>Full audit log</Link>
            </p>
          </section>
        )}
      </div>
    </>
  );
}
