import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { hasZstdMagic, ZstdError, zstdCompress, zstdDecompress } from "../../../src/bundles/zstd";
import { requireTool } from "./helpers";

/** Config-like text of exactly `size` bytes (repetitive but not trivially so). */
function configText(size: number): Uint8Array {
  let text = "";
  for (let i = 0; text.length < size; i++) {
    text += `route "r${i}" {\n  matches { path-prefix "/svc/${(i * 7919) % 1000}" }\n  upstream "u${i % 13}"\n}\n`;
  }
  return new TextEncoder().encode(text.slice(0, size));
}

describe("zstd", () => {
  it.each([
    ["64 KiB", 64 * 1024],
    ["128 KiB", 128 * 1024],
    ["1 MiB", 1024 * 1024],
  ])("round-trips %s of config text", (_label, size) => {
    const input = configText(size);
    const compressed = zstdCompress(input);
    expect([...compressed.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect(compressed.byteLength).toBeLessThan(size / 2);
    expect(Object.getPrototypeOf(compressed)).toBe(Uint8Array.prototype);
    expect(zstdDecompress(compressed)).toEqual(input);
  });

  it("is deterministic and honours the level", () => {
    const input = configText(200_000);
    expect(zstdCompress(input)).toEqual(zstdCompress(input));
    expect(zstdCompress(input, 19).byteLength).toBeLessThan(zstdCompress(input, 1).byteLength);
  });

  it("produces frames the zstd CLI decodes", () => {
    requireTool("zstd", "zstd");
    const input = configText(300_000);
    const out = execFileSync("zstd", ["-d", "-c"], {
      input: zstdCompress(input),
      maxBuffer: 1 << 24,
    });
    expect(new Uint8Array(out)).toEqual(input);
  });

  it("rejects gzip posing as zstd, garbage and truncated frames", () => {
    const input = configText(10_000);
    const gz = gzipSync(input);
    expect(hasZstdMagic(gz)).toBe(false);
    expect(() => zstdDecompress(gz)).toThrow(/missing magic/);
    const withTrailer = new Uint8Array([...zstdCompress(input), 0]);
    expect(() => zstdDecompress(withTrailer)).toThrow(/after the zstd frame/);
    expect(() => zstdDecompress(new Uint8Array(0))).toThrow(ZstdError);
    // node:zlib alone returns partial output for these; the frame scan must catch every cut.
    const frame = zstdCompress(input);
    for (const cut of [1, 2, 4, 5, 10, 100, frame.length - 6]) {
      expect(() => zstdDecompress(frame.subarray(0, frame.length - cut))).toThrow(ZstdError);
    }
    const corrupt = frame.slice();
    const middle = Math.floor(corrupt.length / 2);
    corrupt[middle] = (corrupt[middle] ?? 0) ^ 0xff;
    expect(() => zstdDecompress(corrupt)).toThrow(ZstdError);
  });

  it("refuses output above the decompression limit", () => {
    const frame = zstdCompress(new Uint8Array(1024 * 1024));
    expect(() => zstdDecompress(frame, 1024)).toThrow(ZstdError);
    expect(zstdDecompress(frame, 1024 * 1024).byteLength).toBe(1024 * 1024);
  });
});
