import { round } from "./format";

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Flattens nested JSON into `a.b.c` → value rows (arrays of scalars stay one row). */
export function flatten(value: unknown, prefix = ""): Array<[string, string]> {
  if (value === null || typeof value !== "object") {
    const text = typeof value === "number" ? round(value, 4) : String(value);
    return [[prefix || "value", text]];
  }
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== "object")) {
      return [
        [prefix, value.map((v) => (typeof v === "number" ? round(v, 4) : String(v))).join(", ")],
      ];
    }
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  return Object.entries(value as Record<string, Json>).flatMap(([k, v]) =>
    flatten(v, prefix ? `${prefix}.${k}` : k),
  );
}
