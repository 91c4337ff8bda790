/** Display helpers. Times from the API are ISO 8601 UTC strings. */

const MINUTE_S = 60;
const HOUR_S = 3600;
const DAY_S = 86_400;

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago" (or "in …" for the future). */
export function timeAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) {
    return "never";
  }
  const diffS = Math.round((now - Date.parse(iso)) / 1000);
  const abs = Math.abs(diffS);
  const text =
    abs < MINUTE_S
      ? `${abs} s`
      : abs < HOUR_S
        ? `${Math.floor(abs / MINUTE_S)} min`
        : abs < DAY_S
          ? `${Math.floor(abs / HOUR_S)} h`
          : `${Math.floor(abs / DAY_S)} d`;
  return diffS >= 0 ? `${text} ago` : `in ${text}`;
}

/** Local date and time, for titles and tables. */
export function dateTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** First characters of an id or digest. */
export function shortId(id: string | null | undefined, chars = 10): string {
  return id ? id.slice(0, chars) : "—";
}

/** 1536 → "1.5 KiB". */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) {
    return "—";
  }
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** A number from an unknown JSON value, or null. */
export function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** Rounds for display: integers stay, others get up to `digits` decimals. */
export function round(v: number, digits = 2): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(digits).replace(/\.?0+$/, "");
}

/** "state_name" → "state name". */
export function humanize(s: string): string {
  return s.replace(/[_.]/g, " ");
}

/** The smallest 1, 2 or 5 × 10^k at or above `v`: a round top for the y axis. */
export function niceCeil(v: number): number {
  if (v <= 0) {
    return 1;
  }
  const magnitude = 10 ** Math.floor(Math.log10(v));
  const step = [1, 2, 5, 10].find((m) => m * magnitude >= v) ?? 10;
  return step * magnitude;
}

/** "user:7c1e8a4e-…" → "user 7c1e8a4e": an actor reference short enough for a table. */
export function actorLabel(ref: string | null | undefined): string {
  if (!ref) {
    return "—";
  }
  const sep = ref.indexOf(":");
  const type = sep < 0 ? "" : ref.slice(0, sep);
  const id = ref.slice(sep + 1);
  // UUIDs are shortened to their first block; readable ids ("compiler") stay whole.
  const shown = /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? id.slice(0, 8) : id;
  return `${type ? `${type} ` : ""}${shown}`;
}
