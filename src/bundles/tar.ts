/**
 * Deterministic POSIX ustar writer and a strict reader for bundle archives.
 *
 * Header layout (POSIX.1-1988 ustar, offsets in bytes): name 0/100, mode 100/8, uid 108/8,
 * gid 116/8, size 124/12, mtime 136/12, chksum 148/8, typeflag 156/1, linkname 157/100,
 * magic 257/6 ("ustar\0"), version 263/2 ("00"), uname 265/32, gname 297/32, devmajor 329/8,
 * devminor 337/8, prefix 345/155.
 */
import { bytesEqual, compareUtf8, utf8Decode, utf8Encode } from "./bytes";
import { entryPathProblem } from "./paths";

/** One regular file in an archive. */
export type TarEntry = { path: string; data: Uint8Array };

/** Raised for any archive the writer cannot produce or the reader refuses. */
export class TarError extends Error {
  override name = "TarError";
}

/** Size of a tar header and of the data block unit. */
export const TAR_BLOCK_BYTES = 512;
const NAME_MAX_BYTES = 100;
const PREFIX_MAX_BYTES = 155;
/** The 11 octal digits of the size field hold at most 8 GiB - 1. */
const SIZE_MAX_BYTES = 0o77777777777;
const SLASH = 0x2f;
const ASCII_SPACE = 0x20;

const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  magic: [257, 6],
  version: [263, 2],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const;

const REGULAR_TYPE = 0x30; // "0"
const LEGACY_REGULAR_TYPE = 0x00; // pre-POSIX regular file
const USTAR_MAGIC = utf8Encode("ustar\0");
const USTAR_VERSION = utf8Encode("00");
const TYPE_NAMES: Record<string, string> = {
  "1": "hard link",
  "2": "symbolic link",
  "3": "character device",
  "4": "block device",
  "5": "directory",
  "6": "FIFO",
  "7": "contiguous file",
  x: "pax extended header",
  g: "pax global header",
  L: "GNU long name",
  K: "GNU long link name",
};

function writeOctal(header: Uint8Array, field: readonly [number, number], value: number): void {
  const [offset, length] = field;
  const digits = value.toString(8).padStart(length - 1, "0");
  if (digits.length > length - 1) {
    throw new TarError(`value ${value} does not fit a ${length}-byte octal field`);
  }
  header.set(utf8Encode(`${digits}\0`), offset);
}

/** Splits a UTF-8 path into ustar (prefix, name), choosing the shortest prefix that fits. */
function splitPath(path: string): { prefix: Uint8Array; name: Uint8Array } {
  const bytes = utf8Encode(path);
  if (bytes.length <= NAME_MAX_BYTES) {
    return { prefix: new Uint8Array(0), name: bytes };
  }
  for (let i = 0; i <= PREFIX_MAX_BYTES && i < bytes.length; i++) {
    if (bytes[i] === SLASH && bytes.length - i - 1 <= NAME_MAX_BYTES) {
      return { prefix: bytes.subarray(0, i), name: bytes.subarray(i + 1) };
    }
  }
  throw new TarError(
    `path does not fit the ustar name/prefix fields (${bytes.length} bytes): ${path}`,
  );
}

/** True when `path` fits the ustar name (100 bytes) and prefix (155 bytes) fields. */
export function fitsUstar(path: string): boolean {
  try {
    splitPath(path);
    return true;
  } catch {
    return false;
  }
}

function headerChecksum(header: Uint8Array): number {
  const [offset, length] = FIELD.chksum;
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_BYTES; i++) {
    sum += i >= offset && i < offset + length ? ASCII_SPACE : (header[i] ?? 0);
  }
  return sum;
}

function encodeHeader(path: string, size: number): Uint8Array {
  if (size > SIZE_MAX_BYTES) {
    throw new TarError(`entry too large for ustar: ${path}`);
  }
  const header = new Uint8Array(TAR_BLOCK_BYTES);
  const { prefix, name } = splitPath(path);
  header.set(name, FIELD.name[0]);
  header.set(prefix, FIELD.prefix[0]);
  writeOctal(header, FIELD.mode, 0o644);
  writeOctal(header, FIELD.uid, 0);
  writeOctal(header, FIELD.gid, 0);
  writeOctal(header, FIELD.size, size);
  writeOctal(header, FIELD.mtime, 0);
  writeOctal(header, FIELD.devmajor, 0);
  writeOctal(header, FIELD.devminor, 0);
  header[FIELD.typeflag[0]] = REGULAR_TYPE;
  header.set(USTAR_MAGIC, FIELD.magic[0]);
  header.set(USTAR_VERSION, FIELD.version[0]);
  // uname/gname and linkname stay NUL. Checksum: 6 octal digits, NUL, space (historic layout).
  const checksum = headerChecksum(header).toString(8).padStart(6, "0");
  header.set(utf8Encode(`${checksum}\0 `), FIELD.chksum[0]);
  return header;
}

function paddedSize(size: number): number {
  return Math.ceil(size / TAR_BLOCK_BYTES) * TAR_BLOCK_BYTES;
}

/**
 * Writes a deterministic ustar archive: entries sorted bytewise (UTF-8) by path, regular files
 * only, mode 0644, uid/gid 0, empty uname/gname, mtime 0, terminated by two zero blocks (no
 * padding to a 10 KiB record). Throws {@link TarError} on an invalid, duplicate or unfittable path.
 */
export function writeTar(entries: readonly TarEntry[]): Uint8Array<ArrayBuffer> {
  const sorted = [...entries].sort((a, b) => compareUtf8(a.path, b.path));
  let total = 2 * TAR_BLOCK_BYTES;
  for (const [i, entry] of sorted.entries()) {
    const problem = entryPathProblem(entry.path);
    if (problem !== null) {
      throw new TarError(`${problem}: ${JSON.stringify(entry.path)}`);
    }
    if (i > 0 && sorted[i - 1]?.path === entry.path) {
      throw new TarError(`duplicate entry: ${entry.path}`);
    }
    total += TAR_BLOCK_BYTES + paddedSize(entry.data.byteLength);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of sorted) {
    out.set(encodeHeader(entry.path, entry.data.byteLength), offset);
    out.set(entry.data, offset + TAR_BLOCK_BYTES);
    offset += TAR_BLOCK_BYTES + paddedSize(entry.data.byteLength);
  }
  return out;
}

function field(header: Uint8Array, f: readonly [number, number]): Uint8Array {
  return header.subarray(f[0], f[0] + f[1]);
}

/** A NUL-terminated (or full-width) string field. */
function stringField(header: Uint8Array, f: readonly [number, number]): string {
  const bytes = field(header, f);
  const end = bytes.indexOf(0);
  try {
    return utf8Decode(end === -1 ? bytes : bytes.subarray(0, end));
  } catch {
    throw new TarError("header name is not valid UTF-8");
  }
}

/** Octal number field: optional leading spaces, digits, then NUL/space terminators. */
function octalField(header: Uint8Array, f: readonly [number, number], what: string): number {
  const text = String.fromCharCode(...field(header, f));
  const match = /^ *([0-7]+)[ \0]*$/.exec(text);
  if (match?.[1] === undefined) {
    throw new TarError(`invalid ${what} field`);
  }
  return Number.parseInt(match[1], 8);
}

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

function readHeader(header: Uint8Array): { path: string; size: number } {
  if (octalField(header, FIELD.chksum, "checksum") !== headerChecksum(header)) {
    throw new TarError("header checksum mismatch");
  }
  if (!bytesEqual(field(header, FIELD.magic), USTAR_MAGIC)) {
    throw new TarError("not a POSIX ustar header (bad magic)");
  }
  if (!bytesEqual(field(header, FIELD.version), USTAR_VERSION)) {
    throw new TarError("unsupported ustar version");
  }
  const type = header[FIELD.typeflag[0]] ?? 0;
  const name = stringField(header, FIELD.name);
  const prefix = stringField(header, FIELD.prefix);
  const path = prefix === "" ? name : `${prefix}/${name}`;
  if (type !== REGULAR_TYPE && type !== LEGACY_REGULAR_TYPE) {
    const char = String.fromCharCode(type);
    const kind = TYPE_NAMES[char] ?? `type ${JSON.stringify(char)}`;
    throw new TarError(`entry ${JSON.stringify(path)} is a ${kind}, not a regular file`);
  }
  const problem = entryPathProblem(path);
  if (problem !== null) {
    throw new TarError(`${problem}: ${JSON.stringify(path)}`);
  }
  return { path, size: octalField(header, FIELD.size, "size") };
}

/**
 * Reads a ustar archive strictly. Rejects: lengths that are not whole blocks, bad header
 * checksums, non-ustar headers, any entry type but a regular file (links, directories, pax/GNU
 * extension headers), absolute paths, `..`/`.`/empty components, duplicate paths, data running
 * past the end, a missing end-of-archive marker, and non-zero bytes after it.
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  if (archive.byteLength % TAR_BLOCK_BYTES !== 0) {
    throw new TarError("truncated archive: length is not a multiple of 512");
  }
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (;;) {
    if (offset + TAR_BLOCK_BYTES > archive.byteLength) {
      throw new TarError("truncated archive: missing end-of-archive marker");
    }
    const header = archive.subarray(offset, offset + TAR_BLOCK_BYTES);
    if (isZero(header)) {
      if (offset + 2 * TAR_BLOCK_BYTES > archive.byteLength) {
        throw new TarError("truncated archive: only one end-of-archive block");
      }
      if (!isZero(archive.subarray(offset + TAR_BLOCK_BYTES))) {
        throw new TarError("unexpected data after an end-of-archive block");
      }
      return entries;
    }
    const { path, size } = readHeader(header);
    if (seen.has(path)) {
      throw new TarError(`duplicate entry: ${path}`);
    }
    seen.add(path);
    const start = offset + TAR_BLOCK_BYTES;
    if (start + paddedSize(size) > archive.byteLength) {
      throw new TarError(`truncated archive: data of ${path} runs past the end`);
    }
    entries.push({ path, data: archive.slice(start, start + size) });
    offset = start + paddedSize(size);
  }
}
