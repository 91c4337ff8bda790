import { describe, expect, it } from "vitest";
import { buildBundleArchive, computeBundleId } from "../../src/bundles/archive";
import {
  encodePublicKey,
  keyIdForPublicKey,
  publicKeyFromPrivate,
} from "../../src/bundles/signing";
import { verifyBundle } from "../../src/bundles/verify";
import { zstdCompress, zstdDecompress } from "../../src/bundles/zstd";

/** About `size` bytes of route blocks (exercises zstd at sizes that broke older workerd). */
function bigConfig(size: number): string {
  let text = 'system {\n  worker-threads 4\n}\ninclude "routes.kdl"\n';
  for (let i = 0; text.length < size; i++) {
    text += `route "r${i}" {\n  matches { path-prefix "/svc/${(i * 7919) % 1000}/${i}" }\n  upstream "u${i % 17}"\n}\n`;
  }
  return text;
}

describe("bundle archive inside workerd", () => {
  it("zstd round-trips 64 KiB, 128 KiB and 1 MiB", () => {
    for (const size of [64 * 1024, 128 * 1024, 1024 * 1024]) {
      const input = new TextEncoder().encode(bigConfig(size).slice(0, size));
      const frame = zstdCompress(input);
      expect([...frame.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
      expect(zstdDecompress(frame)).toEqual(input);
    }
  });

  it("builds a ~200 KiB bundle and verifies it with verify.ts", async () => {
    const privateKey = new Uint8Array(32).fill(11);
    const publicKey = await publicKeyFromPrivate(privateKey);
    const kid = await keyIdForPublicKey(publicKey);
    const files = { "zentinel.kdl": bigConfig(200 * 1024), "routes.kdl": 'route "x" {}\n' };
    const components = [{ type: "route" as const, name: "x", properties: {} }];
    const projectId = "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d";

    const bundle = await buildBundleArchive({
      projectId,
      entry: "zentinel.kdl",
      files,
      components,
      signingKey: { kid, privateKey },
    });
    expect(bundle.sizeBytes).toBeLessThan(200 * 1024);
    expect(await computeBundleId(projectId, files, components)).toBe(bundle.bundleId);

    const result = await verifyBundle({
      archive: bundle.archive,
      expectedChecksum: bundle.checksum,
      bundleId: bundle.bundleId,
      publicKeys: [{ kid, publicKey: encodePublicKey(publicKey) }],
    });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(new TextDecoder().decode(result.files["zentinel.kdl"])).toBe(files["zentinel.kdl"]);
    }

    const tampered = bundle.archive.slice();
    tampered[tampered.length - 8] = (tampered[tampered.length - 8] ?? 0) ^ 1;
    const bad = await verifyBundle({
      archive: tampered,
      expectedChecksum: bundle.checksum,
      bundleId: bundle.bundleId,
      publicKeys: [{ kid, publicKey: encodePublicKey(publicKey) }],
    });
    expect(bad).toMatchObject({ ok: false, step: "checksum" });
  });
});
