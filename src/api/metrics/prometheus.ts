/** Prometheus text exposition format (version 0.0.4). Pure. */

/** The Content-Type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample: an optional name suffix (`_bucket`, `_sum`, `_count`), labels and a value. */
export interface Sample {
  suffix?: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: HELP and TYPE lines followed by its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: "gauge" | "counter" | "histogram";
  samples: Sample[];
}

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) {
    return "NaN";
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  return String(value);
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Renders families in order; every family gets its HELP and TYPE lines, even without samples. */
export function renderMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      lines.push(`${f.name}${s.suffix ?? ""}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Upper bounds (seconds) of the compile-duration histogram buckets, ascending. */
export const COMPILE_BUCKETS_S = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/**
 * Histogram samples from per-bucket cumulative counts (same order as `bounds`), the total count
 * and the sum, as Prometheus expects: `_bucket{le}` cumulative, `+Inf` = count, `_sum`, `_count`.
 */
export function histogramSamples(
  labels: Record<string, string>,
  bounds: readonly number[],
  cumulative: readonly number[],
  count: number,
  sum: number,
): Sample[] {
  const samples: Sample[] = bounds.map((le, i) => ({
    suffix: "_bucket",
    labels: { ...labels, le: String(le) },
    value: cumulative[i] ?? 0,
  }));
  samples.push(
    { suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: count },
    { suffix: "_sum", labels, value: sum },
    { suffix: "_count", labels, value: count },
  );
  return samples;
}
