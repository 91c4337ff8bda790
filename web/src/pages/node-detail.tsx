import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { LineChart, type Series } from "../components/chart";
import { LabelEditor } from "../components/label-editor";
import { Labels } from "../components/labels";
import { ConfirmButton, ErrorBox, Loading, PageTitle, StatusBadge } from "../components/ui";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import { dateTime, num, round, timeAgo } from "../lib/format";
import { bundleLabel, fetchBundles } from "../lib/queries";
import { Link } from "../lib/router";
import type { FleetNode, Heartbeat, NodeEvent, Page } from "../lib/types";
import { useResource } from "../lib/use-resource";

/** Heartbeats arrive without events; refresh the detail this often. */
const NODE_REFRESH_MS = 10_000;
const HEARTBEATS_SHOWN = 100;

function metricSeries(beats: Heartbeat[], key: string, name: string, tone: string): Series {
  const points: Array<[number, number]> = [];
  for (const b of [...beats].reverse()) {
    const v = num(b.metrics?.[key]);
    if (v !== null) {
      points.push([Date.parse(b.created_at), v]);
    }
  }
  return { name, tone, points };
}

function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** One node: facts, bundles, health charts from heartbeat history, events, relabel, revoke. */
export function NodeDetailPage({ id }: { id: string }) {
  const { project, can } = useProject();
  const base = `/p/${project.slug}`;
  const path = projectPath(project.slug, `/nodes/${id}`);
  const [editing, setEditing] = useState(false);
  const res = useResource(
    async (signal) => {
      const [node, beats, events, bundles] = await Promise.all([
        api<FleetNode>(path, { signal }),
        api<Page<Heartbeat>>(`${path}/heartbeats?limit=${HEARTBEATS_SHOWN}`, { signal }).catch(
          () => null,
        ),
        api<Page<NodeEvent>>(`${path}/events?limit=50`, { signal }).catch(() => null),
        fetchBundles(project.slug, signal),
      ]);
      return {
        node,
        beats: beats?.items ?? [],
        events: events?.items ?? [],
        bundles: bundles.items,
      };
    },
    [path],
    {
      live: (m) => m.resource_id === id || m.resource_type === "bundle",
      refreshMs: NODE_REFRESH_MS,
    },
  );
  if (!res.data) {
    return (
      <>
        <PageTitle>Node</PageTitle>
        {res.error ? <ErrorBox error={res.error} /> : <Loading />}
      </>
    );
  }
  const { node, beats, events, bundles } = res.data;
  const revoked = node.status === "revoked";
  const bundleLink = (bid: string | null) =>
    bid ? <Link href={`${base}/bundles/${bid}`}>{bundleLabel(bid, bundles)}</Link> : "none";
  const metrics = node.metrics ?? {};

  return (
    <>
      <PageTitle
        actions={
          can("nodes:write") && !revoked ? (
            <>
              <button type="button" class="btn" onClick={() => setEditing(true)} disabled={editing}>
                Edit labels
              </button>
              <ConfirmButton
                label="Revoke"
                title={`Revoke node ${node.name}?`}
                body={
                  <p>
                    The node's key stops working at once and it is never offered a bundle again.
                  </p>
                }
                danger
                onConfirm={async () => {
                  await api(path, { method: "DELETE" });
                  res.reload();
                }}
              />
            </>
          ) : null
        }
      >
        {node.name} <StatusBadge status={node.status} />
      </PageTitle>
      <ErrorBox error={res.error} title="Refresh failed; showing the last data" />
      {editing && (
        <section class="card" aria-label="Edit labels">
          <LabelEditor
            labels={node.labels}
            onSave={(labels) => api(path, { method: "PATCH", body: { labels } })}
            onDone={() => {
              setEditing(false);
              res.reload();
            }}
          />
        </section>
      )}
      <div class="grid2">
        <section class="card" aria-labelledby="facts-h">
          <h2 id="facts-h">Node</h2>
          <dl class="facts">
            <Fact term="Labels">
              <Labels labels={node.labels} />
            </Fact>
            <Fact term="Health">
              {node.health?.status ? <StatusBadge status={node.health.status} /> : "—"}
            </Fact>
            <Fact term="Last heartbeat">
              <span title={dateTime(node.last_heartbeat_at)}>
                {timeAgo(node.last_heartbeat_at)}
              </span>
            </Fact>
            <Fact term="Version">{node.version ?? "—"}</Fact>
            <Fact term="Host">
              {node.hostname ?? "—"} {node.ip ? `(${node.ip})` : ""}
            </Fact>
            <Fact term="Registered">{dateTime(node.registered_at)}</Fact>
            <Fact term="Id">
              <code>{node.id}</code>
            </Fact>
          </dl>
        </section>
        <section class="card" aria-labelledby="bundle-h">
          <h2 id="bundle-h">Bundles</h2>
          <dl class="facts">
            <Fact term="Active">{bundleLink(node.active_bundle_id)}</Fact>
            <Fact term="Desired">
              {bundleLink(node.desired_bundle_id)}
              {node.desired_is_rollback && <span class="badge tone-warn">rollback</span>}
            </Fact>
            <Fact term="Staged">{bundleLink(node.staged_bundle_id)}</Fact>
            <Fact term="Rollout">
              {node.desired_rollout_id ? (
                <Link href={`${base}/rollouts/${node.desired_rollout_id}`}>
                  {node.desired_rollout_id.slice(0, 8)}
                </Link>
              ) : (
                "—"
              )}
            </Fact>
            <Fact term="Drifting since">
              {node.diverged_since ? timeAgo(node.diverged_since) : "in sync"}
            </Fact>
          </dl>
          <h3>Current metrics</h3>
          <dl class="facts">
            {Object.entries(metrics).map(([k, v]) => (
              <Fact term={k} key={k}>
                {typeof v === "number" ? round(v) : String(v)}
              </Fact>
            ))}
          </dl>
        </section>
      </div>
      <section class="card" aria-labelledby="charts-h">
        <h2 id="charts-h">Heartbeat history</h2>
        <div class="grid2">
          <LineChart
            title="Error rate"
            unit="%"
            series={[metricSeries(beats, "error_rate", "error rate", "c1")]}
          />
          <LineChart
            title="Latency p99"
            unit="ms"
            series={[metricSeries(beats, "latency_p99_ms", "p99", "c2")]}
          />
          <LineChart
            title="Resources"
            unit="%"
            series={[
              metricSeries(beats, "cpu_percent", "CPU", "c3"),
              metricSeries(beats, "memory_percent", "memory", "c4"),
            ]}
          />
        </div>
      </section>
      <section class="card" aria-labelledby="events-h">
        <h2 id="events-h">Events</h2>
        {events.length === 0 ? (
          <p class="muted">No events reported.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Type</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.id}>
                    <td title={dateTime(e.created_at)}>{timeAgo(e.created_at)}</td>
                    <td>{e.event_type}</td>
                    <td>{e.severity}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
