/**
 * zstd through `node:zlib`: native in Node 22.15+ and in workerd with `nodejs_compat`.
 * workerd before 1.20261117.1 corrupts some sizes (>= 128 KiB sync); the version is pinned through
 * package.json overrides and the tests cover 64 KiB to 1 MiB.
 */
import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { scanZstdFrame } from "./zstd-frame";

/** Default compression level (zstd's own default; about 15 % on config text). */
export const ZSTD_DEFAULT_LEVEL = 3;
/** Largest accepted decompressed size: guards a node against decompression bombs. */
export const ZSTD_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
/** zstd frame magic number 0xFD2FB528, little-endian on the wire. */
export const ZSTD_MAGIC = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd);
/** `ZSTD_c_compressionLevel` and `ZSTD_c_checksumFlag` from zstd.h (stable API values). */
const ZSTD_C_COMPRESSION_LEVEL = 100;
const ZSTD_C_CHECKSUM_FLAG = 201;

/** Raised when input is not a zstd frame or fails to decompress. */
export class ZstdError extends Error {
  override name = "ZstdError";
}

/** Copies into a plain Uint8Array so callers never hold a Buffer or a view into its pool. */
function plain(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/**
 * Compresses into a single zstd frame with a content checksum (XXH64, checked on decompression).
 * Output is deterministic for a given zstd library version.
 */
export function zstdCompress(
  data: Uint8Array,
  level = ZSTD_DEFAULT_LEVEL,
): Uint8Array<ArrayBuffer> {
  const params = { [ZSTD_C_COMPRESSION_LEVEL]: level, [ZSTD_C_CHECKSUM_FLAG]: 1 };
  return plain(zstdCompressSync(data, { params }));
}

/** True when the bytes start with the zstd frame magic `28 B5 2F FD`. */
export function hasZstdMagic(data: Uint8Array): boolean {
  return ZSTD_MAGIC.every((byte, i) => data[i] === byte);
}

/**
 * Decompresses exactly one complete zstd frame. Throws {@link ZstdError} on a foreign format (gzip
 * pretending to be zstd), a truncated or corrupt frame, trailing data, a content size that
 * disagrees with the output, or output above `maxOutputBytes`.
 */
export function zstdDecompress(
  data: Uint8Array,
  maxOutputBytes = ZSTD_MAX_DECOMPRESSED_BYTES,
): Uint8Array<ArrayBuffer> {
  let out: Uint8Array;
  let contentSize: number | null;
  try {
    ({ contentSize } = scanZstdFrame(data));
    if (contentSize !== null && contentSize > maxOutputBytes) {
      throw new Error(`declared size ${contentSize} exceeds the limit of ${maxOutputBytes} bytes`);
    }
    out = zstdDecompressSync(data, { maxOutputLength: maxOutputBytes });
  } catch (error) {
    throw new ZstdError(
      `zstd decompression failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (contentSize !== null && out.byteLength !== contentSize) {
    throw new ZstdError(`zstd frame declares ${contentSize} bytes but produced ${out.byteLength}`);
  }
  return plain(out);
}
