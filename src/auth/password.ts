import { fromBase64, randomBytes, timingSafeEqual, toBase64Url } from "./crypto";

/**
 * PBKDF2-SHA256 at 100,000 iterations: the most workerd's WebCrypto allows (it rejects higher
 * counts), with a 16-byte random salt. Stored self-describing so the cost can be raised later
 * without breaking existing hashes: `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url).
 */
export const PBKDF2_ITERATIONS = 100_000;
const HASH_BYTES = 32;

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

/** Hashes a password for storage. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

/** Checks a password against a stored hash in constant time; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, iter, salt, hash] = stored.split("$");
  const iterations = Number(iter);
  if (alg !== "pbkdf2-sha256" || !Number.isInteger(iterations) || !salt || !hash) {
    return false;
  }
  const candidate = await derive(password, fromBase64(salt), iterations);
  return timingSafeEqual(toBase64Url(candidate), hash);
}
