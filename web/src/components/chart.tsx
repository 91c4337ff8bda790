import { niceCeil, round } from "../lib/format";

/** One line of a chart: points are [epoch ms, value]. */
export interface Series {
  name: string;
  /** A CSS class giving the stroke colour (chart palette in style.css). */
  tone: string;
  points: Array<[number, number]>;
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 44, right: 12, top: 12, bottom: 24 };

/**
 * A small line chart in inline SVG (no library): one y axis from 0 to the largest value,
 * time on x. Accessible as an image whose label lists each series' latest value; the legend
 * repeats names and latest values as text.
 */
export function LineChart({
  series,
  unit,
  title,
}: {
  series: Series[];
  unit: string;
  title: string;
}) {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    return <p class="muted">No {title.toLowerCase()} data yet.</p>;
  }
  const xs = all.map((p) => p[0]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const yMax = niceCeil(Math.max(...all.map((p) => p[1])));
  const sx = (t: number) =>
    PAD.left + (x1 === x0 ? 0.5 : (t - x0) / (x1 - x0)) * (WIDTH - PAD.left - PAD.right);
  const sy = (v: number) => HEIGHT - PAD.bottom - (v / yMax) * (HEIGHT - PAD.top - PAD.bottom);
  const latest = series.map((s) => {
    const last = s.points[s.points.length - 1];
    return { name: s.name, tone: s.tone, value: last ? last[1] : null };
  });
  const label = `${title}: ${latest
    .map((l) => `${l.name} ${l.value === null ? "no data" : `${round(l.value)} ${unit}`}`)
    .join(", ")}`;
  const ticks = [0, yMax / 2, yMax];
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
        {ticks.map((t) => (
          <g key={t}>
            <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={sy(t)} y2={sy(t)} />
            <text class="axis" x={PAD.left - 6} y={sy(t) + 4} text-anchor="end">
              {round(t, 1)}
            </text>
          </g>
        ))}
        <text class="axis" x={PAD.left} y={HEIGHT - 6}>
          {new Date(x0).toLocaleTimeString()}
        </text>
        <text class="axis" x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end">
          {new Date(x1).toLocaleTimeString()}
        </text>
        {series.map((s) => (
          <polyline
            key={s.name}
            class={`line ${s.tone}`}
            points={s.points.map(([t, v]) => `${sx(t).toFixed(1)},${sy(v).toFixed(1)}`).join(" ")}
          />
        ))}
      </svg>
      <ul class="legend">
        {latest.map((l) => (
          <li key={l.name}>
            <span class={`swatch ${l.tone}`} aria-hidden="true" />
            {l.name}: <strong>{l.value === null ? "—" : `${round(l.value)} ${unit}`}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}
