import { useEffect, useRef, useState } from "preact/hooks";
import { latestValue, type Series } from "../lib/chart-data";
import { round } from "../lib/format";
import type { ChartHandle, ChartSpec } from "./uplot-chart";

export type { Series } from "../lib/chart-data";

/** Props of {@link LineChart}. */
export interface LineChartProps {
  series: Series[];
  unit: string;
  title: string;
  /** Plot height in CSS pixels (default 180). */
  height?: number;
  /** Draw bars (counts per interval) instead of lines. */
  bars?: boolean;
  /** Dashed horizontal reference lines, e.g. an alert threshold or a burn-rate limit. */
  thresholds?: Array<{ value: number; label: string }>;
  /** Category labels: point x values are indices into them instead of times. */
  xLabels?: string[];
  /** Time range shown (epoch ms); default: from the first to the last point. */
  xRange?: [number, number];
}

const DEFAULT_HEIGHT_PX = 180;

/**
 * A time-series chart drawn by uPlot (canvas). uPlot is loaded on first use, so it costs the
 * pages without charts nothing. Accessible as an image whose label lists each series' latest
 * value; the legend repeats names and latest values as text. `data-points` on the figure
 * carries the number of drawn points and `data-ready` turns true once uPlot has drawn, so
 * tests can tell an empty chart from one that has not loaded yet.
 */
export function LineChart({
  series,
  unit,
  title,
  height = DEFAULT_HEIGHT_PX,
  bars = false,
  thresholds = [],
  xLabels,
  xRange,
}: LineChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const handle = useRef<ChartHandle | null>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const points = series.reduce((n, s) => n + s.points.length, 0);
  const spec: ChartSpec = {
    series,
    unit,
    height,
    bars,
    thresholds,
    xLabels: xLabels ?? null,
    xRange: xRange ?? null,
  };

  useEffect(() => {
    const el = host.current;
    if (!el || points === 0) {
      // The host element is gone with the data; a later chart mounts afresh.
      handle.current?.destroy();
      handle.current = null;
      return;
    }
    if (handle.current) {
      handle.current.update(spec);
      return;
    }
    let cancelled = false;
    import("./uplot-chart")
      .then((m) => {
        if (!cancelled) {
          handle.current = m.mountChart(el, spec);
          setReady(true);
        }
      })
      .catch((err: unknown) => setFailed(String(err)));
    return () => {
      cancelled = true;
    };
  });

  useEffect(
    () => () => {
      handle.current?.destroy();
      handle.current = null;
    },
    [],
  );

  if (points === 0) {
    return (
      <figure class="chart" data-points="0">
        <figcaption>{title}</figcaption>
        <p class="muted">No {title.toLowerCase()} data yet.</p>
      </figure>
    );
  }
  const latest = series.map((s) => ({ name: s.name, tone: s.tone, value: latestValue(s) }));
  const fmt = (v: number | null) => (v === null ? "no data" : `${round(v)} ${unit}`);
  const label = `${title}: ${latest.map((l) => `${l.name} ${fmt(l.value)}`).join(", ")}`;
  return (
    <figure class="chart" data-points={points} data-ready={ready ? "true" : "false"}>
      <figcaption>{title}</figcaption>
      <div class="chart-canvas" ref={host} role="img" aria-label={label} style={{ height }} />
      {failed ? <p class="error">Chart failed to load: {failed}</p> : null}
      <ul class="legend">
        {latest.map((l) => (
          <li key={l.name}>
            <span class={`swatch ${l.tone}`} aria-hidden="true" />
            {l.name}: <strong>{l.value === null ? "—" : `${round(l.value)} ${unit}`}</strong>
          </li>
        ))}
        {thresholds.map((t) => (
          <li key={t.label}>
            <span class="swatch threshold" aria-hidden="true" />
            {t.label}: <strong>{`${round(t.value)} ${unit}`}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}
