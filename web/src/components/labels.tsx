/** Node labels as chips ("key=value"). */
export function Labels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) {
    return <span class="muted">—</span>;
  }
  return (
    <span class="chips">
      {entries.map(([k, v]) => (
        <span class="chip" key={k}>
          {k}={v}
        </span>
      ))}
    </span>
  );
}

/** Parses "region:eu, tier:edge" (or with "=") into `key:value` filters; skips blanks. */
export function parseLabelFilter(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim().replace("=", ":"))
    .filter((s) => s.includes(":"));
}
