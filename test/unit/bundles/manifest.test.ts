import { describe, expect, it } from "vitest";
import {
  buildManifest,
  ManifestError,
  parseManifest,
  renderChecksums,
} from "../../../src/bundles/manifest";
import { hex, PROJECT_ID } from "./helpers";

const FILES = [
  { path: "zentinel.kdl", sha256: "a".repeat(64), size: 10 },
  { path: "routes/b.kdl", sha256: "b".repeat(64), size: 0 },
  { path: "sbom.cdx.json", sha256: "c".repeat(64), size: 5 },
];

const enc = (s: string) => new TextEncoder().encode(s);

describe("manifest", () => {
  it("serialises canonically with files sorted, and bundle id = sha256(bytes)", async () => {
    const { manifest, bytes, bundleId } = await buildManifest({
      projectId: PROJECT_ID,
      entrypoint: "zentinel.kdl",
      files: FILES,
    });
    expect(manifest.files.map((f) => f.path)).toEqual([
      "routes/b.kdl",
      "sbom.cdx.json",
      "zentinel.kdl",
    ]);
    expect(new TextDecoder().decode(bytes)).toBe(
      `{"compat":{"zentinel_schema":"1.0"},"entrypoint":"zentinel.kdl","files":[{"path":"routes/b.kdl","sha256":"${"b".repeat(64)}","size":0},{"path":"sbom.cdx.json","sha256":"${"c".repeat(64)}","size":5},{"path":"zentinel.kdl","sha256":"${"a".repeat(64)}","size":10}],"project_id":"${PROJECT_ID}","schema_version":1}`,
    );
    expect(bundleId).toBe(await hex(bytes));
    expect(parseManifest(bytes)).toEqual(manifest);
  });

  it("refuses to list metadata entries or omit the entrypoint", async () => {
    for (const path of ["manifest.json", "manifest.sig", "checksums.txt"]) {
      await expect(
        buildManifest({
          projectId: PROJECT_ID,
          entrypoint: "zentinel.kdl",
          files: [...FILES, { path, sha256: "d".repeat(64), size: 1 }],
        }),
      ).rejects.toThrow(ManifestError);
    }
    await expect(
      buildManifest({ projectId: PROJECT_ID, entrypoint: "zentinel.kdl", files: FILES.slice(1) }),
    ).rejects.toThrow(/entrypoint/);
  });

  it("parseManifest rejects non-canonical or malformed manifests", async () => {
    const { bytes } = await buildManifest({
      projectId: PROJECT_ID,
      entrypoint: "zentinel.kdl",
      files: FILES,
    });
    const text = new TextDecoder().decode(bytes);
    const variants = [
      JSON.stringify(JSON.parse(text), null, 1),
      text.replace('"schema_version":1', '"schema_version":2'),
      text.replace('"project_id"', '"extra":1,"project_id"'),
      text.replace('"size":0', '"size":-1'),
      text.replace('"size":0', '"size":0.5'),
      text.replace(`"${"b".repeat(64)}"`, `"${"B".repeat(64)}"`),
      text.replace('"routes/b.kdl"', '"../b.kdl"'),
      text.replace('"routes/b.kdl"', '"zz.kdl"'),
      text.replace('"entrypoint":"zentinel.kdl"', '"entrypoint":"other.kdl"'),
      text.replace('{"compat"', '{"compat":{"zentinel_schema":"1.0"},"compat"'),
      "not json",
    ];
    for (const variant of variants) {
      expect(() => parseManifest(enc(variant))).toThrow(ManifestError);
    }
    expect(() => parseManifest(Uint8Array.of(0xff, 0xfe))).toThrow(ManifestError);
  });

  it("renders checksums.txt in sha256sum format, sorted", () => {
    expect(
      renderChecksums([
        { path: "b.kdl", sha256: "2".repeat(64) },
        { path: "a.kdl", sha256: "1".repeat(64) },
      ]),
    ).toBe(`${"1".repeat(64)}  a.kdl\n${"2".repeat(64)}  b.kdl\n`);
  });
});
