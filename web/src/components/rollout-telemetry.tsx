import { api } from "../lib/api";
import { useResource } from "../lib/use-resource";
import { LineChart, type Series } from "./chart";
import { ErrorBox } from "./ui";

/** Minutes reach D1 once a minute. */
const TELEMETRY_REFRESH_MS = 30_000;

interface Point {
  t: string;
  requests: number;
  error_rate: number | null;
  latency_p99_ms: number | null;
}

interface RolloutTelemetry {
  updated: Point[];
  not_updated: Point[];
}

function series(
  points: Point[],
  key: "error_rate" | "latency_p99_ms",
  name: string,
  tone: string,
): Series {
  return {
    name,
    tone,
    points: points.flatMap((p): Array<[number, number]> => {
      const v = p[key];
      return v === null ? [] : [[Date.parse(p.t), v]];
    }),
  };
}

/**
 * Error rate and p99 latency of the nodes already on the rollout's bundle against those not
 * updated yet, from node telemetry (`GET …/rollouts/{id}/telemetry`).
 */
export function RolloutTelemetryCharts({ path, live }: { path: string; live: boolean }) {
  const res = useResource(
    (signal) => api<RolloutTelemetry>(`${path}/telemetry`, { signal }),
    [path],
    { refreshMs: live ? TELEMETRY_REFRESH_MS : undefined },
  );
  const d = res.data;
  return (
    <section class="card" aria-labelledby="cohorts-h">
      <h2 id="cohorts-h">Updated vs not yet updated</h2>
      <ErrorBox error={res.error} />
      {d && d.updated.length + d.not_updated.length === 0 && (
        <p class="muted">No request telemetry from the nodes around this rollout.</p>
      )}
      {d && d.updated.length + d.not_updated.length > 0 && (
        <div class="grid2">
          <LineChart
            title="Error rate (5xx)"
            unit="%"
            series={[
              series(d.updated, "error_rate", "updated", "c1"),
              series(d.not_updated, "error_rate", "not updated", "c2"),
            ]}
          />
          <LineChart
            title="Latency p99"
            unit="ms"
            series={[
              series(d.updated, "latency_p99_ms", "updated", "c1"),
              series(d.not_updated, "latency_p99_ms", "not updated", "c2"),
            ]}
          />
        </div>
      )}
    </section>
  );
}
