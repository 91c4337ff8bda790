/**
 * The compile path's pure functions (prepareBundle → buildPreparedBundle: embedded validation,
 * validator-derived SBOM components, signed archive), checked end to end with the system tools,
 * which share no code with ours. The worker runs exactly these functions (src/jobs/compile.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildPreparedBundle,
  type PreparedBundle,
  prepareBundle,
  submissionFiles,
} from "../../../src/bundles/pipeline";
import { verifyBundle } from "../../../src/bundles/verify";
import { hex, PROJECT_ID, requireTool, testKey } from "./helpers";

const ENTRY = `system {
    worker-threads 2
}
listeners {
    listener "http" {
        address "0.0.0.0:8080"
        protocol "http"
    }
}
upstreams {
    upstream "backend" {
        target "127.0.0.1:3000"
    }
}
include "routes/*.kdl"
`;

function routeFile(id: string, prefix: string): string {
  return `routes {\n    route "${id}" {\n        matches {\n            path-prefix "${prefix}"\n        }\n        upstream "backend"\n    }\n}\n`;
}

const EXTRA = {
  "routes/api.kdl": routeFile("api", "/api"),
  "routes/docs.kdl": routeFile("docs", "/docs"),
};

async function prepared(files: Record<string, string>): Promise<PreparedBundle> {
  const result = await prepareBundle(PROJECT_ID, files);
  if (!result.ok) {
    throw new Error(`config rejected: ${JSON.stringify(result.errors)}`);
  }
  return result;
}

const dir = mkdtempSync(join(tmpdir(), "zcp-pipeline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
}

describe("compile pipeline (validate → components → signed archive)", () => {
  it("builds an archive the system zstd/tar/sha256sum accept, carrying the validated files", async () => {
    requireTool("zstd", "zstd");
    requireTool("tar", "tar");
    requireTool("sha256sum", "coreutils");
    const files = submissionFiles(ENTRY, { ...EXTRA, "unused/notes.kdl": "// not included\n" });
    const bundle = await prepared(files);
    expect(Object.keys(bundle.files).sort()).toEqual([
      "routes/api.kdl",
      "routes/docs.kdl",
      "zentinel.kdl",
    ]);
    expect(bundle.warnings.map((w) => w.rule)).toContain("unreferenced-file");
    const key = await testKey();
    const built = await buildPreparedBundle(PROJECT_ID, bundle, key);
    expect(built.bundleId).toBe(bundle.bundleId);

    writeFileSync(join(dir, "b.tar.zst"), built.archive);
    run("zstd", ["-q", "-d", "b.tar.zst", "-o", "b.tar"], dir);
    const out = join(dir, "x");
    mkdirSync(out);
    run("tar", ["-xf", "../b.tar"], out);
    const check = run("sha256sum", ["-c", "--strict", "checksums.txt"], out);
    expect(check.trim().split("\n").sort()).toEqual([
      "manifest.json: OK",
      "routes/api.kdl: OK",
      "routes/docs.kdl: OK",
      "sbom.cdx.json: OK",
      "zentinel.kdl: OK",
    ]);
    expect(await hex(readFileSync(join(out, "manifest.json")))).toBe(bundle.bundleId);
    for (const [path, text] of Object.entries(bundle.files)) {
      expect(readFileSync(join(out, path), "utf8")).toBe(text);
    }
    const sbom = JSON.parse(readFileSync(join(out, "sbom.cdx.json"), "utf8")) as {
      components: Array<{ name: string; properties?: Array<{ name: string; value: string }> }>;
    };
    const routes = sbom.components.filter((c) =>
      c.properties?.some((p) => p.name === "zentinel:kind" && p.value === "route"),
    );
    expect(routes.map((c) => c.name).sort()).toEqual(["api", "docs"]);

    const verified = await verifyBundle({
      archive: built.archive,
      expectedChecksum: built.checksum,
      bundleId: built.bundleId,
      publicKeys: [{ kid: key.kid, publicKey: key.publicKey }],
    });
    expect(verified.ok).toBe(true);
  });

  it("same submission → byte-identical archive and the same id; order of files does not matter", async () => {
    const key = await testKey();
    const a = await buildPreparedBundle(
      PROJECT_ID,
      await prepared(submissionFiles(ENTRY, EXTRA)),
      key,
    );
    const reversed = Object.fromEntries(Object.entries(EXTRA).reverse());
    const b = await buildPreparedBundle(
      PROJECT_ID,
      await prepared(submissionFiles(ENTRY, reversed)),
      key,
    );
    expect(b.bundleId).toBe(a.bundleId);
    expect(Buffer.from(b.archive).equals(Buffer.from(a.archive))).toBe(true);
  });

  it("any change to any included file changes the id (property)", async () => {
    const base = (await prepared(submissionFiles(ENTRY, EXTRA))).bundleId;
    const paths = ["zentinel.kdl", ...Object.keys(EXTRA)];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.stringMatching(/^[a-z0-9 ]{1,12}$/),
        async (path, comment) => {
          const files = submissionFiles(ENTRY, EXTRA);
          files[path] = `${files[path]}// ${comment}\n`;
          expect((await prepared(files)).bundleId).not.toBe(base);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("rejects invalid configs with positions instead of building anything", async () => {
    const result = await prepareBundle(
      PROJECT_ID,
      submissionFiles(ENTRY, {
        "routes/api.kdl": routeFile("api", "/api").replace("backend", "nowhere"),
      }),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]).toMatchObject({ file: "routes/api.kdl", line: expect.any(Number) });
    }
  });
});
