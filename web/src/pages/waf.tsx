import { useState } from "preact/hooks";
import { LineChart } from "../components/chart";
import { Empty, ErrorBox, Field, Loading, PageTitle, StatusBadge } from "../components/ui";
import { api, projectPath, qs } from "../lib/api";
import { useProject } from "../lib/context";
import { dateTime, round, timeAgo } from "../lib/format";
import type { WafAnomaly, WafBlocks, WafNodes, WafTopRules } from "../lib/observability-types";
import type { Page } from "../lib/types";
import { useResource } from "../lib/use-resource";

/** New minutes reach D1 once a minute. */
const WAF_REFRESH_MS = 30_000;
/** Ranges offered, with the step of their chart (at most a few hundred bars). */
const RANGES: Array<{ label: string; ms: number; step: number }> = [
  { label: "Last hour", ms: 3_600_000, step: 60 },
  { label: "Last 6 hours", ms: 6 * 3_600_000, step: 300 },
  { label: "Last 24 hours", ms: 24 * 3_600_000, step: 900 },
  { label: "Last 7 days", ms: 7 * 86_400_000, step: 3600 },
];

/** WAF analytics: blocks over time, top rules, per-node breakdown and anomalies. */
export function WafPage() {
  const { project } = useProject();
  const [rangeIdx, setRangeIdx] = useState(2);
  const range = RANGES[rangeIdx] ?? RANGES[0];
  const base = projectPath(project.slug, "/waf");
  const span = range?.ms ?? 3_600_000;
  const step = range?.step ?? 60;
  const data = useResource(
    async (signal) => {
      const to = new Date();
      const from = new Date(to.getTime() - span);
      const q = { from: from.toISOString(), to: to.toISOString() };
      const [blocks, top, nodes, anomalies] = await Promise.all([
        api<WafBlocks>(`${base}/blocks${qs({ ...q, step })}`, { signal }),
        api<WafTopRules>(`${base}/top-rules${qs({ ...q, limit: 10 })}`, { signal }),
        api<WafNodes>(`${base}/nodes${qs(q)}`, { signal }),
        api<Page<WafAnomaly>>(`${base}/anomalies${qs({ limit: 20 })}`, { signal }),
      ]);
      return {
        blocks,
        top,
        nodes,
        anomalies,
        range: [from.getTime(), to.getTime()] as [number, number],
      };
    },
    [base, span, step],
    { refreshMs: WAF_REFRESH_MS },
  );
  const d = data.data;
  return (
    <>
      <PageTitle>WAF</PageTitle>
      <Field id="waf-range" label="Range">
        <select
          id="waf-range"
          value={String(rangeIdx)}
          onChange={(e) => setRangeIdx(Number(e.currentTarget.value))}
        >
          {RANGES.map((r, i) => (
            <option key={r.label} value={String(i)}>
              {r.label}
            </option>
          ))}
        </select>
      </Field>
      <ErrorBox error={data.error} />
      {!d && !data.error && <Loading />}
      {d && (
        <div class="grid2">
          <section class="card span2" aria-labelledby="waf-blocks-h">
            <h2 id="waf-blocks-h">Blocked requests</h2>
            <LineChart
              title="WAF decisions per step"
              unit="requests"
              bars
              xRange={d.range}
              series={[
                {
                  name: "blocked",
                  tone: "c1",
                  points: d.blocks.points.map((p) => [Date.parse(p.t), p.blocked]),
                },
                {
                  name: "challenged",
                  tone: "c5",
                  points: d.blocks.points.map((p) => [Date.parse(p.t), p.challenged]),
                },
              ]}
            />
          </section>
          <section class="card" aria-labelledby="waf-top-h">
            <h2 id="waf-top-h">Top rules</h2>
            {d.top.items.length === 0 ? (
              <Empty>No WAF decisions in this range.</Empty>
            ) : (
              <table data-testid="waf-top-rules">
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">Blocked</th>
                    <th scope="col">Challenged</th>
                  </tr>
                </thead>
                <tbody>
                  {d.top.items.map((r) => (
                    <tr key={r.rule_id}>
                      <td>
                        <code>{r.rule_id}</code>
                      </td>
                      <td>{r.blocked}</td>
                      <td>{r.challenged}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section class="card" aria-labelledby="waf-nodes-h">
            <h2 id="waf-nodes-h">Per node</h2>
            <p class="muted">Counted per hour; the current hour appears when it ends.</p>
            {d.nodes.items.length === 0 ? (
              <Empty>No per-node counts in this range yet.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Blocked</th>
                    <th scope="col">Challenged</th>
                  </tr>
                </thead>
                <tbody>
                  {d.nodes.items.map((n) => (
                    <tr key={n.node_id}>
                      <td>{n.node_name ?? n.node_id}</td>
                      <td>{n.blocked}</td>
                      <td>{n.challenged}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section class="card span2" aria-labelledby="waf-anomalies-h">
            <h2 id="waf-anomalies-h">Anomalies</h2>
            {d.anomalies.items.length === 0 ? (
              <Empty>No anomalies: blocks match their hour-of-week baselines.</Empty>
            ) : (
              <ul class="plain">
                {d.anomalies.items.map((a) => (
                  <li key={a.id}>
                    <span title={dateTime(a.detected_at)}>{timeAgo(a.detected_at)}</span>{" "}
                    <code>{a.rule_id}</code> <StatusBadge status={a.direction} />{" "}
                    <StatusBadge status={a.severity} /> {a.observed} blocks, expected{" "}
                    {round(a.expected, 1)} (z = {round(a.z, 1)})
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </>
  );
}
