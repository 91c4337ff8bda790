/**
 * Chart data shaping (pure, no DOM): uPlot wants one shared, ascending x array with one y array
 * per series, `null` where a series has no point at that x.
 */

/** One line of a chart: points are [epoch ms, value]. */
export interface Series {
  name: string;
  /** Palette entry: `c1` … `c6` (stroke colour and legend swatch). */
  tone: string;
  points: Array<[number, number]>;
}

/** Stroke colours of the palette tones (the swatch classes in rollouts.css match). */
export const TONE_COLORS: Record<string, string> = {
  c1: "#dc2626",
  c2: "#2563eb",
  c3: "#059669",
  c4: "#9333ea",
  c5: "#d97706",
  c6: "#0891b2",
};

/** The colour of a tone (unknown tones fall back to slate). */
export function toneColor(tone: string): string {
  return TONE_COLORS[tone] ?? "#475569";
}

/** Aligned columns: `xs` in epoch seconds (uPlot's time unit), one `ys` row per series. */
export interface AlignedColumns {
  xs: number[];
  ys: Array<Array<number | null>>;
}

/**
 * Merges the series' x values into one ascending array (epoch ms → s) and looks up each
 * series' value at each x. Non-finite values become gaps. When a series has two points at one
 * x, the later one wins.
 */
export function alignSeries(series: readonly Series[]): AlignedColumns {
  const xsMs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const ys = series.map((s) => {
    const at = new Map<number, number>();
    for (const [t, v] of s.points) {
      if (Number.isFinite(v)) {
        at.set(t, v);
      }
    }
    return xsMs.map((t) => at.get(t) ?? null);
  });
  return { xs: xsMs.map((t) => t / 1000), ys };
}

/** The last point of a series, or null. */
export function latestValue(s: Series): number | null {
  const last = s.points[s.points.length - 1];
  return last ? last[1] : null;
}
