// Idempotent local seed: org "default", project "demo", admin user, admin API key and a
// reusable enrollment token, written to the local D1 of `wrangler dev`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedStatements } from "../../src/db/seed";
import { loadDevCredentials } from "./credentials";

/** Inlines a parameter as an SQL literal (wrangler d1 execute --file takes no bindings). */
function literal(v: string | number | null): string {
  if (v === null) {
    return "NULL";
  }
  if (typeof v === "number") {
    return String(v);
  }
  return `'${v.replace(/'/g, "''")}'`;
}

const creds = loadDevCredentials();
const statements = await seedStatements({ ...creds, now: Date.now() });
const sql = statements
  .map((s) => {
    let i = 0;
    return `${s.sql.replace(/\?/g, () => literal(s.params[i++] ?? null))};`;
  })
  .join("\n");
const file = join(mkdtempSync(join(tmpdir(), "zcp-seed-")), "seed.sql");
writeFileSync(file, sql);
// ZCP_PERSIST_TO (set by prepareLocalState): seed a separate local state directory (e2e tests).
const persistTo = process.env.ZCP_PERSIST_TO ? ["--persist-to", process.env.ZCP_PERSIST_TO] : [];
const res = spawnSync(
  "npx",
  ["wrangler", "d1", "execute", "DB", "--local", "--file", file, ...persistTo],
  {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  },
);
if (res.status !== 0) {
  console.error(res.stdout.toString());
  console.error("[zcp] seeding failed");
  process.exit(1);
}
console.log(
  "[zcp] seeded org 'default', project 'demo', admin user, admin API key, enrollment token",
);
