/**
 * Byte helpers shared by the bundle modules. Web APIs only (TextEncoder, crypto.subtle, atob/btoa),
 * so the same code runs in workerd and on Node 22.
 */

const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A lone UTF-16 surrogate cannot be encoded as UTF-8; TextEncoder would silently replace it. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * UTF-8 encodes a string, refusing strings with lone surrogates (which TextEncoder would replace
 * with U+FFFD, so the bytes would no longer represent the string).
 */
export function utf8Encode(text: string): Uint8Array<ArrayBuffer> {
  if (LONE_SURROGATE.test(text)) {
    throw new TypeError("string contains a lone UTF-16 surrogate and cannot be encoded as UTF-8");
  }
  return encoder.encode(text);
}

/** Decodes UTF-8, throwing on malformed input instead of inserting U+FFFD. */
export function utf8Decode(bytes: Uint8Array): string {
  return fatalDecoder.decode(bytes);
}

/** True when the string has no lone surrogates (so it round-trips through UTF-8). */
export function isWellFormedUnicode(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Returns a view whose buffer is a plain ArrayBuffer (what WebCrypto's BufferSource type wants),
 * copying only when the input sits on a SharedArrayBuffer.
 */
export function strictBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) {
    return bytes as Uint8Array<ArrayBuffer>;
  }
  return new Uint8Array(bytes);
}

/** Lowercase hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) {
    out += byte.toString(16).padStart(2, "0");
  }
  return out;
}

/** SHA-256 of the bytes as raw digest bytes. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", strictBytes(bytes)));
}

/** SHA-256 of the bytes as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(await sha256(bytes));
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let total = 0;
  for (const part of parts) {
    total += part.byteLength;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Byte-for-byte equality. Not constant time: use only on public data. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) {
    return false;
  }
  for (let i = 0; i < a.byteLength; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/**
 * Orders strings by their UTF-8 bytes ("sorted bytewise by path" in the bundle spec). This differs
 * from JavaScript's default UTF-16 order only for characters above U+FFFF versus U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const ab = encoder.encode(a);
  const bb = encoder.encode(b);
  const n = Math.min(ab.length, bb.length);
  for (let i = 0; i < n; i++) {
    const d = (ab[i] ?? 0) - (bb[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return ab.length - bb.length;
}

/** btoa/atob work on "binary strings"; chunking keeps String.fromCharCode's argument list small. */
const BINARY_CHUNK_BYTES = 0x8000;

/** Standard base64 with padding (RFC 4648 section 4). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += BINARY_CHUNK_BYTES) {
    binary += String.fromCharCode(...bytes.subarray(i, i + BINARY_CHUNK_BYTES));
  }
  return btoa(binary);
}

/** URL-safe base64 without padding (RFC 4648 section 5). */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const BASE64_STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL_STRICT = /^[A-Za-z0-9_-]*$/;

function fromBinaryString(binary: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    out[i] = binary.charCodeAt(i);
  }
  return out;
}

/** Decodes standard padded base64; throws on any other alphabet, whitespace or bad padding. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  if (!BASE64_STRICT.test(text)) {
    throw new TypeError("invalid base64");
  }
  const out = fromBinaryString(atob(text));
  // Non-zero unused trailing bits would give two spellings of the same bytes.
  if (toBase64(out) !== text) {
    throw new TypeError("invalid base64: non-canonical encoding");
  }
  return out;
}

/** Decodes unpadded URL-safe base64; throws on padding, whitespace or a foreign alphabet. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!BASE64URL_STRICT.test(text) || text.length % 4 === 1) {
    throw new TypeError("invalid base64url");
  }
  const standard = text.replace(/-/g, "+").replace(/_/g, "/");
  const out = fromBinaryString(atob(standard + "=".repeat((4 - (standard.length % 4)) % 4)));
  if (toBase64Url(out) !== text) {
    throw new TypeError("invalid base64url: non-canonical encoding");
  }
  return out;
}
