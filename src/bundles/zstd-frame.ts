/**
 * Structural check of a zstd frame (RFC 8878 section 3.1.1) before decompressing it.
 *
 * Why: `node:zlib`'s zstdDecompressSync returns partial output, without an error, for a truncated
 * frame (measured on Node 22.23). Walking the frame header and block headers is cheap (one 3-byte
 * header per block of at most 128 KiB) and proves the input is exactly one complete frame.
 */

/** Raised when bytes are not exactly one complete zstd frame. */
export class ZstdFrameError extends Error {
  override name = "ZstdFrameError";
}

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
const DICT_ID_BYTES = [0, 1, 2, 4] as const;
const BLOCK_TYPE_RLE = 1;
const BLOCK_TYPE_RESERVED = 3;
const CHECKSUM_BYTES = 4;

function readLittleEndian(data: Uint8Array, offset: number, length: number): number {
  let value = 0;
  for (let i = length - 1; i >= 0; i--) {
    value = value * 256 + (data[offset + i] ?? 0);
  }
  return value;
}

/**
 * Validates that `data` is one complete zstd frame with nothing after it. Returns the declared
 * decompressed size, or null when the frame does not declare one.
 */
export function scanZstdFrame(data: Uint8Array): { contentSize: number | null } {
  if (data.byteLength < 6 || MAGIC.some((byte, i) => data[i] !== byte)) {
    throw new ZstdFrameError("not a zstd frame (missing magic 28 B5 2F FD)");
  }
  const descriptor = data[4] ?? 0;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if ((descriptor & 0x08) !== 0) {
    throw new ZstdFrameError("zstd frame header has the reserved bit set");
  }
  const hasChecksum = (descriptor & 0x04) !== 0;
  let offset = 5 + (singleSegment ? 0 : 1) + (DICT_ID_BYTES[descriptor & 0x03] ?? 0);
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
  if (offset + fcsBytes > data.byteLength) {
    throw new ZstdFrameError("truncated zstd frame header");
  }
  let contentSize: number | null = null;
  if (fcsBytes > 0) {
    contentSize = readLittleEndian(data, offset, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
  }
  offset += fcsBytes;
  for (;;) {
    if (offset + 3 > data.byteLength) {
      throw new ZstdFrameError("truncated zstd frame: missing block header");
    }
    const header = readLittleEndian(data, offset, 3);
    const last = (header & 1) === 1;
    const type = (header >> 1) & 0x03;
    const size = header >>> 3;
    if (type === BLOCK_TYPE_RESERVED) {
      throw new ZstdFrameError("zstd block of reserved type");
    }
    offset += 3 + (type === BLOCK_TYPE_RLE ? 1 : size);
    if (offset > data.byteLength) {
      throw new ZstdFrameError("truncated zstd frame: block runs past the end");
    }
    if (last) {
      break;
    }
  }
  offset += hasChecksum ? CHECKSUM_BYTES : 0;
  if (offset !== data.byteLength) {
    throw new ZstdFrameError(
      offset > data.byteLength
        ? "truncated zstd frame: missing content checksum"
        : "unexpected data after the zstd frame",
    );
  }
  return { contentSize };
}
