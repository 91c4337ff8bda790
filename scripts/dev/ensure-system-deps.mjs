// Run by `npm test` before the test layers: the independent archive check needs the `zstd`
// CLI and the browser tests need Chromium. Both come from Debian; when they are missing and we
// may use apt-get (root), they are installed, otherwise the run stops with the exact command.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const NEEDED = [
  { pkg: "zstd", present: () => has("zstd") },
  { pkg: "chromium", present: () => existsSync("/usr/bin/chromium") },
];

function has(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

const missing = NEEDED.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length > 0) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !has("apt-get")) {
    console.error(
      `[zcp] the tests need: ${missing.join(", ")}. Install them with:\n  sudo apt-get install -y ${missing.join(" ")}`,
    );
    process.exit(1);
  }
  console.log(`[zcp] installing ${missing.join(", ")} from Debian (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...missing],
  ]) {
    const res = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
    if (res.status !== 0) {
      console.error(`[zcp] apt-get ${args.join(" ")} failed`);
      process.exit(res.status ?? 1);
    }
  }
}
