/**
 * The uPlot side of the chart component, loaded on demand (dynamic import) so pages without a
 * chart never download the library. Everything uPlot-specific stays in this file.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { alignSeries, type Series, toneColor } from "../lib/chart-data";
import { round } from "../lib/format";

/** What a chart draws. */
export interface ChartSpec {
  series: Series[];
  unit: string;
  height: number;
  /** Bars instead of lines (counts per interval). */
  bars: boolean;
  /** Horizontal reference lines (thresholds), drawn dashed. */
  thresholds: Array<{ value: number; label: string }>;
  /**
   * Categories instead of time: point x values are indices into these labels (e.g. burn-rate
   * windows), drawn evenly spaced.
   */
  xLabels: string[] | null;
  /** The time range to show (epoch ms), e.g. the range that was queried; default: the data's. */
  xRange: [number, number] | null;
}

/** A mounted chart. */
export interface ChartHandle {
  update(spec: ChartSpec): void;
  destroy(): void;
}

function xRangeS(spec: ChartSpec): [number, number] {
  const [from, to] = spec.xRange ?? [0, 0];
  return [from / 1000, to / 1000];
}

function options(spec: ChartSpec, width: number): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [0.8, 48] });
  const labels = spec.xLabels;
  return {
    width,
    height: spec.height,
    // Thresholds are extra flat series, so the y scale always includes them.
    series: [
      {},
      ...spec.series.map(
        (s): uPlot.Series => ({
          label: s.name,
          stroke: toneColor(s.tone),
          fill: spec.bars ? `${toneColor(s.tone)}99` : undefined,
          width: 2,
          spanGaps: false,
          paths: spec.bars ? bars : undefined,
          // A line needs two points; a lone point is drawn as a dot so new data is visible.
          points: { show: !spec.bars && s.points.length < 3, size: 6 },
          value: (_u, v) => (v === null ? "—" : `${round(v)} ${spec.unit}`),
        }),
      ),
      ...spec.thresholds.map(
        (t): uPlot.Series => ({
          label: t.label,
          stroke: "#64748b",
          width: 1,
          dash: [6, 4],
          points: { show: false },
          value: () => `${round(t.value)} ${spec.unit}`,
        }),
      ),
    ],
    scales: {
      x: labels
        ? { time: false, range: () => [-0.5, labels.length - 0.5] }
        : spec.xRange
          ? { time: true, range: () => xRangeS(spec) }
          : { time: true },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      labels
        ? {
            stroke: "#64748b",
            grid: { show: false },
            splits: () => labels.map((_l, i) => i),
            values: (_u, ticks) => ticks.map((t) => labels[t] ?? ""),
          }
        : { stroke: "#64748b", grid: { stroke: "#e2e8f0", width: 1 } },
      {
        stroke: "#64748b",
        grid: { stroke: "#e2e8f0", width: 1 },
        size: 56,
        values: (_u, ticks) => ticks.map((v) => round(v, 2)),
      },
    ],
    legend: { show: false },
    cursor: { points: { show: false } },
  };
}

function data(spec: ChartSpec): uPlot.AlignedData {
  const aligned = alignSeries(spec.series);
  // Category charts keep their indices as x (alignSeries turns ms into s for time axes).
  const xs = spec.xLabels ? aligned.xs.map((x) => x * 1000) : aligned.xs;
  const ys = aligned.ys;
  const flat = spec.thresholds.map((t) => xs.map(() => t.value));
  return [xs, ...ys, ...flat];
}

/** Draws `spec` into `el` and keeps the chart as wide as `el`. */
export function mountChart(el: HTMLElement, initial: ChartSpec): ChartHandle {
  let spec = initial;
  const width = () => Math.max(200, Math.floor(el.clientWidth));
  let plot = new uPlot(options(spec, width()), data(spec), el);
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: spec.height }));
  resize.observe(el);
  return {
    update(next) {
      const sameShape =
        next.bars === spec.bars &&
        next.xLabels?.join("\u0000") === spec.xLabels?.join("\u0000") &&
        next.series.length === spec.series.length &&
        next.thresholds.length === spec.thresholds.length &&
        next.series.every((s, i) => s.name === spec.series[i]?.name);
      spec = next;
      if (sameShape) {
        plot.setData(data(spec));
      } else {
        plot.destroy();
        plot = new uPlot(options(spec, width()), data(spec), el);
      }
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
