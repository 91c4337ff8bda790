import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import type { BuiltBundle } from "../../../src/bundles/archive";
import type { TarEntry } from "../../../src/bundles/tar";
import { writeTar } from "../../../src/bundles/tar";
import {
  type TrustedKey,
  type VerifyBundleResult,
  verifyBundle,
} from "../../../src/bundles/verify";
import { zstdCompress } from "../../../src/bundles/zstd";
import { editHeader, hex, repack, sampleBundle, setName, testKey, unpack } from "./helpers";

let bundle: BuiltBundle;
let keys: TrustedKey[];
let entries: TarEntry[];

beforeAll(async () => {
  bundle = await sampleBundle();
  const key = await testKey();
  keys = [(await testKey(3)) as TrustedKey, { kid: key.kid, publicKey: key.publicKey }];
  entries = unpack(bundle.archive);
});

/** Verifies a crafted archive with a matching offer checksum, so the named step is reached. */
async function verifyCrafted(
  archive: Uint8Array,
  bundleId = bundle.bundleId,
): Promise<VerifyBundleResult> {
  return verifyBundle({
    archive,
    expectedChecksum: await hex(archive),
    bundleId,
    publicKeys: keys,
  });
}

function replaceEntry(path: string, data: Uint8Array | null): TarEntry[] {
  return entries.flatMap((e) => (e.path !== path ? [e] : data === null ? [] : [{ path, data }]));
}

function failedAt(result: VerifyBundleResult, step: string, reason: RegExp): void {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.step).toBe(step);
    expect(result.reason).toMatch(reason);
  }
}

const enc = (s: string) => new TextEncoder().encode(s);

describe("verifyBundle", () => {
  it("accepts a good bundle and returns the listed files", async () => {
    const result = await verifyCrafted(bundle.archive);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.files)).toEqual([
        "routes/api.kdl",
        "sbom.cdx.json",
        "zentinel.kdl",
      ]);
      expect(new TextDecoder().decode(result.files["zentinel.kdl"])).toContain("worker-threads 2");
      expect(result.manifest).toEqual(bundle.manifest);
    }
  });

  it("1: wrong checksum", async () => {
    const result = await verifyBundle({
      archive: bundle.archive,
      expectedChecksum: "0".repeat(64),
      bundleId: bundle.bundleId,
      publicKeys: keys,
    });
    failedAt(result, "checksum", /archive SHA-256/);
    const flipped = bundle.archive.slice();
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    failedAt(
      await verifyBundle({
        archive: flipped,
        expectedChecksum: bundle.checksum,
        bundleId: bundle.bundleId,
        publicKeys: keys,
      }),
      "checksum",
      /offered/,
    );
  });

  it("2: gzip instead of zstd, truncated tar", async () => {
    const tar = writeTar(entries);
    failedAt(await verifyCrafted(gzipSync(tar)), "untar", /magic/);
    failedAt(
      await verifyCrafted(zstdCompress(tar.subarray(0, tar.length - 1024))),
      "untar",
      /end-of-archive/,
    );
  });

  it.each([
    ["path traversal", "../x", /'\.\.' component/],
    ["absolute path", "/etc/zentinel.kdl", /absolute/],
    ["duplicate entry", "zentinel.kdl", /duplicate entry/],
  ])("2: %s", async (_label, name, reason) => {
    const tar = editHeader(writeTar(entries), 3, (h) => setName(h, name));
    failedAt(await verifyCrafted(zstdCompress(tar)), "untar", reason);
  });

  it("2: symlink entry", async () => {
    const tar = editHeader(writeTar(entries), 3, (h) => {
      h[156] = "2".charCodeAt(0);
      h.set(enc("/etc/passwd"), 157);
    });
    failedAt(await verifyCrafted(zstdCompress(tar)), "untar", /symbolic link/);
  });

  it("3: bad signature, tampered manifest, unknown kid, missing manifest.sig", async () => {
    const sig = JSON.parse(
      new TextDecoder().decode(entries.find((e) => e.path === "manifest.sig")?.data),
    );
    const badSig =
      `A${sig.sig.slice(1)}` === sig.sig ? `B${sig.sig.slice(1)}` : `A${sig.sig.slice(1)}`;
    const sigFile = (s: object) => enc(JSON.stringify(s));
    failedAt(
      await verifyCrafted(repack(replaceEntry("manifest.sig", sigFile({ ...sig, sig: badSig })))),
      "signature",
      /does not verify/,
    );
    failedAt(
      await verifyCrafted(
        repack(replaceEntry("manifest.sig", sigFile({ ...sig, kid: "zk_ffffffffffffffff" }))),
      ),
      "signature",
      /unknown key id/,
    );
    failedAt(
      await verifyCrafted(repack(replaceEntry("manifest.sig", null))),
      "signature",
      /missing/,
    );
    const manifest = new TextDecoder()
      .decode(bundle.manifestBytes)
      .replace('"schema_version":1', '"schema_version":2');
    failedAt(
      await verifyCrafted(repack(replaceEntry("manifest.json", enc(manifest)))),
      "signature",
      /does not verify/,
    );
    const otherKeyOnly = await verifyBundle({
      archive: bundle.archive,
      expectedChecksum: bundle.checksum,
      bundleId: bundle.bundleId,
      publicKeys: [{ kid: bundle.kid, publicKey: (await testKey(3)).publicKey }],
    });
    failedAt(otherKeyOnly, "signature", /does not verify/);
  });

  it("4: bundle id that is not the manifest digest", async () => {
    failedAt(await verifyCrafted(bundle.archive, "f".repeat(64)), "digest", /bundle id/);
  });

  it("5: extra unlisted file, missing file, size and hash mismatch, bad checksums.txt", async () => {
    const extra = [...entries, { path: "extra.kdl", data: enc("x") }];
    failedAt(await verifyCrafted(repack(extra)), "files", /extra\.kdl is not listed/);
    failedAt(
      await verifyCrafted(repack(replaceEntry("routes/api.kdl", null))),
      "files",
      /routes\/api\.kdl is missing/,
    );
    const original = entries.find((e) => e.path === "zentinel.kdl")?.data ?? new Uint8Array();
    const longer = new Uint8Array([...original, 0x0a]);
    failedAt(
      await verifyCrafted(repack(replaceEntry("zentinel.kdl", longer))),
      "files",
      /bytes, manifest says/,
    );
    const sameSize = original.slice();
    sameSize[0] = (sameSize[0] ?? 0) ^ 0x20;
    failedAt(
      await verifyCrafted(repack(replaceEntry("zentinel.kdl", sameSize))),
      "files",
      /SHA-256/,
    );
    failedAt(
      await verifyCrafted(repack(replaceEntry("checksums.txt", enc("")))),
      "files",
      /checksums\.txt/,
    );
    failedAt(
      await verifyCrafted(repack(replaceEntry("checksums.txt", null))),
      "files",
      /checksums\.txt/,
    );
  });

  it("accepts an upper-case offer checksum and bundle id", async () => {
    const result = await verifyBundle({
      archive: bundle.archive,
      expectedChecksum: bundle.checksum.toUpperCase(),
      bundleId: bundle.bundleId.toUpperCase(),
      publicKeys: keys,
    });
    expect(result.ok).toBe(true);
  });
});
