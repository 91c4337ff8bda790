/** A fingerprint of every D1 table, to prove that a rejected request changed nothing. */
import { env } from "cloudflare:test";
import { sha256Hex } from "../../src/auth/crypto";

/**
 * Columns that change on any authenticated request by design and say nothing about the request's
 * own effect: `last_used_at` is written (throttled) whenever a key authenticates.
 */
const VOLATILE_COLUMNS: Record<string, readonly string[]> = {
  api_keys: ["last_used_at"],
};

/** Table name → SHA-256 of its rows (all columns but the volatile ones), in rowid order. */
export async function dbSnapshot(): Promise<Record<string, string>> {
  const { results: tables } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table'
       AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'
     ORDER BY name`,
  ).all<{ name: string }>();
  const snapshot: Record<string, string> = {};
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all<
      Record<string, unknown>
    >();
    const volatile = new Set(VOLATILE_COLUMNS[name] ?? []);
    const rows = results.map((row) =>
      Object.fromEntries(Object.entries(row).filter(([column]) => !volatile.has(column))),
    );
    snapshot[name] = `${rows.length}:${await sha256Hex(JSON.stringify(rows))}`;
  }
  return snapshot;
}

/** The tables whose fingerprint differs between two snapshots. */
export function changedTables(
  before: Record<string, string>,
  after: Record<string, string>,
): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}
