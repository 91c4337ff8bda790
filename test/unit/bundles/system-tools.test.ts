import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildBundleArchive } from "../../../src/bundles/archive";
import { PROJECT_ID, requireTool, SAMPLE_COMPONENTS, SAMPLE_FILES, testKey } from "./helpers";

const LONG_PATH = `includes/${"very-long-directory-name-".repeat(3)}x/${"and-a-long-file-name-".repeat(3)}routes.kdl`;
const dir = mkdtempSync(join(tmpdir(), "zcp-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd = dir): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC", LC_ALL: "C" },
  });
}

describe("archives read by the system tools (independent implementations)", () => {
  it("zstd -d, tar -x and sha256sum -c accept the archive; tar -tv shows 0644, 0/0, 1970", async () => {
    requireTool("zstd", "zstd");
    requireTool("tar", "tar");
    requireTool("sha256sum", "coreutils");
    expect(Buffer.byteLength(LONG_PATH)).toBeGreaterThan(100);
    const files = { ...SAMPLE_FILES, [LONG_PATH]: 'route "ü" { upstream "β" }\n', "empty.kdl": "" };
    const bundle = await buildBundleArchive({
      projectId: PROJECT_ID,
      entry: "zentinel.kdl",
      files,
      components: SAMPLE_COMPONENTS,
      signingKey: await testKey(),
    });
    writeFileSync(join(dir, "bundle.tar.zst"), bundle.archive);
    run("zstd", ["-q", "-d", "bundle.tar.zst", "-o", "bundle.tar"]);
    const extract = join(dir, "x");
    run("mkdir", ["x"]);
    execFileSync("tar", ["-xf", "../bundle.tar"], {
      cwd: extract,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const check = run("sha256sum", ["-c", "--strict", "checksums.txt"], extract);
    expect(check).toContain("manifest.json: OK");
    expect(check).toContain(`${LONG_PATH}: OK`);
    expect(check.trim().split("\n")).toHaveLength(6);
    expect(readFileSync(join(extract, LONG_PATH), "utf8")).toBe(files[LONG_PATH]);

    const listing = run("tar", ["--numeric-owner", "-tvf", "bundle.tar"]).trim().split("\n");
    expect(listing).toHaveLength(8);
    for (const line of listing) {
      expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00 \S/);
    }
    expect(listing.map((l) => l.split(" ").at(-1))).toEqual([
      "checksums.txt",
      "empty.kdl",
      LONG_PATH,
      "manifest.json",
      "manifest.sig",
      "routes/api.kdl",
      "sbom.cdx.json",
      "zentinel.kdl",
    ]);
    expect(run("tar", ["--zstd", "-tf", "bundle.tar.zst"]).split("\n")).toContain("manifest.sig");
  });
});
