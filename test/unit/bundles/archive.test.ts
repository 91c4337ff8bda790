import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BundleInputError,
  buildBundleArchive,
  computeBundleId,
} from "../../../src/bundles/archive";
import { parseManifest } from "../../../src/bundles/manifest";
import {
  hex,
  PROJECT_ID,
  SAMPLE_COMPONENTS,
  SAMPLE_FILES,
  sampleBundle,
  testKey,
  unpack,
} from "./helpers";

const segment = fc.stringMatching(/^[a-z0-9_-]{1,10}$/);
const extraPath = fc
  .array(segment, { minLength: 1, maxLength: 3 })
  .map((parts) => `${parts.join("/")}.kdl`)
  .filter((p) => p !== "zentinel.kdl");
const content = fc.string({ unit: "grapheme", maxLength: 120 });
const fileMap = fc
  .tuple(content, fc.dictionary(extraPath, content, { maxKeys: 4 }))
  .map(([entry, extra]): Record<string, string> => ({ ...extra, "zentinel.kdl": entry }));

const build = async (files: Record<string, string>) =>
  buildBundleArchive({
    projectId: PROJECT_ID,
    entry: "zentinel.kdl",
    files,
    components: SAMPLE_COMPONENTS,
    signingKey: await testKey(),
  });
const idOf = (files: Record<string, string>) =>
  computeBundleId(PROJECT_ID, files, SAMPLE_COMPONENTS);

describe("buildBundleArchive", () => {
  it("lays out the spec's entries, manifest and checksums", async () => {
    const bundle = await sampleBundle();
    const entries = unpack(bundle.archive);
    expect(entries.map((e) => e.path)).toEqual([
      "checksums.txt",
      "manifest.json",
      "manifest.sig",
      "routes/api.kdl",
      "sbom.cdx.json",
      "zentinel.kdl",
    ]);
    const byPath = new Map(entries.map((e) => [e.path, e.data]));
    const text = (p: string) => new TextDecoder().decode(byPath.get(p));
    expect(text("zentinel.kdl")).toBe(SAMPLE_FILES["zentinel.kdl"]);
    expect(bundle.bundleId).toBe(await hex(bundle.manifestBytes));
    expect(bundle.checksum).toBe(await hex(bundle.archive));
    expect(bundle.sizeBytes).toBe(bundle.archive.byteLength);
    expect(byPath.get("manifest.json")).toEqual(bundle.manifestBytes);
    expect(parseManifest(bundle.manifestBytes)).toEqual(bundle.manifest);
    const sha = async (p: string) => hex(byPath.get(p) ?? new Uint8Array());
    expect(text("manifest.json")).toBe(
      `{"compat":{"zentinel_schema":"1.0"},"entrypoint":"zentinel.kdl","files":[` +
        `{"path":"routes/api.kdl","sha256":"${await sha("routes/api.kdl")}","size":${byPath.get("routes/api.kdl")?.length}},` +
        `{"path":"sbom.cdx.json","sha256":"${await sha("sbom.cdx.json")}","size":${byPath.get("sbom.cdx.json")?.length}},` +
        `{"path":"zentinel.kdl","sha256":"${await sha("zentinel.kdl")}","size":${byPath.get("zentinel.kdl")?.length}}],` +
        `"project_id":"${PROJECT_ID}","schema_version":1}`,
    );
    expect(text("checksums.txt")).toBe(
      `${bundle.bundleId}  manifest.json\n${await sha("routes/api.kdl")}  routes/api.kdl\n` +
        `${await sha("sbom.cdx.json")}  sbom.cdx.json\n${await sha("zentinel.kdl")}  zentinel.kdl\n`,
    );
    expect(JSON.parse(text("manifest.sig"))).toEqual({
      alg: "Ed25519",
      kid: bundle.kid,
      sig: bundle.signature,
    });
  });

  it("same inputs give byte-identical archives and the same id (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fileMap, async (files) => {
        const [a, b] = [await build(files), await build({ ...files })];
        expect(b.archive).toEqual(a.archive);
        expect(b.bundleId).toBe(a.bundleId);
        expect(await idOf(files)).toBe(a.bundleId);
      }),
      { numRuns: 40 },
    );
  });

  it("any change to a file's content or name changes the id (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fileMap,
        fc.nat(),
        content,
        extraPath,
        async (files, pick, extra, newName) => {
          const paths = Object.keys(files).sort();
          const target = paths[pick % paths.length] ?? "zentinel.kdl";
          const base = await idOf(files);
          const changed = `${files[target]}${extra === "" ? "x" : extra}`;
          expect(await idOf({ ...files, [target]: changed })).not.toBe(base);
          if (target !== "zentinel.kdl" && !(newName in files)) {
            const { [target]: moved = "", ...rest } = files;
            expect(await idOf({ ...rest, [newName]: moved })).not.toBe(base);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("the signature is not part of the id: another key gives the same id, a different archive", async () => {
    const a = await sampleBundle();
    const b = await buildBundleArchive({
      projectId: PROJECT_ID,
      files: SAMPLE_FILES,
      components: SAMPLE_COMPONENTS,
      signingKey: await testKey(9),
    });
    expect(b.bundleId).toBe(a.bundleId);
    expect(b.checksum).not.toBe(a.checksum);
  });

  it("the id depends on the project and the SBOM components", async () => {
    const base = await idOf(SAMPLE_FILES);
    expect(await computeBundleId("other-project", SAMPLE_FILES, SAMPLE_COMPONENTS)).not.toBe(base);
    expect(await computeBundleId(PROJECT_ID, SAMPLE_FILES, SAMPLE_COMPONENTS.slice(1))).not.toBe(
      base,
    );
  });

  it("rejects unusable file sets", async () => {
    const key = await testKey();
    const cases: Array<Record<string, string>> = [
      { "routes.kdl": "x" },
      { ...SAMPLE_FILES, "../evil.kdl": "x" },
      { ...SAMPLE_FILES, "/abs.kdl": "x" },
      { ...SAMPLE_FILES, "manifest.json": "{}" },
      { ...SAMPLE_FILES, "notes.txt": "x" },
      { ...SAMPLE_FILES, [`${"d".repeat(200)}.kdl`]: "x" },
      { ...SAMPLE_FILES, "bad.kdl": "\ud800" },
    ];
    for (const files of cases) {
      await expect(
        buildBundleArchive({ projectId: PROJECT_ID, files, components: [], signingKey: key }),
      ).rejects.toThrow();
    }
    await expect(computeBundleId(PROJECT_ID, { "a.kdl": "" }, [])).rejects.toThrow(
      BundleInputError,
    );
    await expect(computeBundleId("", SAMPLE_FILES, [])).rejects.toThrow(BundleInputError);
  });

  it("refuses to sign with a kid that is not the key's", async () => {
    const key = await testKey();
    await expect(
      buildBundleArchive({
        projectId: PROJECT_ID,
        files: SAMPLE_FILES,
        components: [],
        signingKey: { kid: "zk_0000000000000000", privateKey: key.privateKey },
      }),
    ).rejects.toThrow(/does not belong/);
  });
});
