/**
 * TOTP (RFC 6238) over HOTP (RFC 4226) with WebCrypto: HMAC-SHA-1, 30-second steps, 6 digits,
 * ±1 step of clock skew. These are the parameters every authenticator app supports by default
 * (and the only ones some of them support), so they are fixed rather than configurable.
 */
import { randomBytes, timingSafeEqual } from "./crypto";

/** Seconds per TOTP time step. */
export const TOTP_STEP_S = 30;
/** Digits in a code. */
export const TOTP_DIGITS = 6;
/** Steps accepted on either side of the current one (clock skew between phone and server). */
export const TOTP_WINDOW_STEPS = 1;
/** Secret length: 160 bits, the HMAC-SHA-1 block-friendly size RFC 4226 recommends. */
export const TOTP_SECRET_BYTES = 20;

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32, upper case, without padding (the form otpauth URIs use). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    // Only the low `bits` bits are still needed; dropping the rest keeps `buffer` small.
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) {
    out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  }
  return out;
}

/**
 * Decodes RFC 4648 base32, ignoring case, spaces, dashes and `=` padding (people type secrets
 * by hand). Throws on any other character.
 */
export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.toUpperCase().replace(/[\s=-]/g, "");
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = BASE32_ALPHABET.indexOf(ch);
    if (value < 0) {
      throw new Error(`invalid base32 character '${ch}'`);
    }
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** A fresh random TOTP secret. */
export function generateTotpSecret(): Uint8Array<ArrayBuffer> {
  return randomBytes(TOTP_SECRET_BYTES);
}

/** HOTP (RFC 4226): HMAC-SHA-1 of the 8-byte big-endian counter, dynamically truncated. */
export async function hotp(
  secret: Uint8Array<ArrayBuffer>,
  counter: number,
  digits: number = TOTP_DIGITS,
): Promise<string> {
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  // Counters beyond 2^32 occur for far-future times; split into two 32-bit halves.
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-1" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary =
    (((mac[offset] ?? 0) & 0x7f) << 24) |
    ((mac[offset + 1] ?? 0) << 16) |
    ((mac[offset + 2] ?? 0) << 8) |
    (mac[offset + 3] ?? 0);
  return (binary % 10 ** digits).toString().padStart(digits, "0");
}

/** The TOTP time step containing `timeMs`. */
export function totpCounter(timeMs: number, stepS: number = TOTP_STEP_S): number {
  return Math.floor(timeMs / 1000 / stepS);
}

/** The TOTP code for `timeMs`. */
export function totp(
  secret: Uint8Array<ArrayBuffer>,
  timeMs: number,
  digits: number = TOTP_DIGITS,
): Promise<string> {
  return hotp(secret, totpCounter(timeMs), digits);
}

/**
 * Checks a code against the current step and ±TOTP_WINDOW_STEPS neighbours. Every candidate is
 * computed and compared in constant time, so timing does not reveal which step matched.
 * Returns the matching step, or null.
 */
export async function verifyTotp(
  secret: Uint8Array<ArrayBuffer>,
  code: string,
  timeMs: number,
): Promise<number | null> {
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code)) {
    return null;
  }
  const current = totpCounter(timeMs);
  let matched: number | null = null;
  for (let step = current - TOTP_WINDOW_STEPS; step <= current + TOTP_WINDOW_STEPS; step++) {
    const candidate = await hotp(secret, step);
    if (timingSafeEqual(candidate, code) && matched === null) {
      matched = step;
    }
  }
  return matched;
}

/**
 * The `otpauth://totp/` URI authenticator apps scan as a QR code (Key Uri Format). The label is
 * `issuer:account`; parameters repeat the fixed algorithm, digits and period explicitly.
 */
export function otpauthUri(secret: Uint8Array, account: string, issuer: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({
    secret: base32Encode(secret),
    issuer,
    algorithm: "SHA1",
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_S),
  });
  return `otpauth://totp/${label}?${params.toString().replace(/\+/g, "%20")}`;
}
