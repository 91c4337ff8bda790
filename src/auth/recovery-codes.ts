/**
 * One-time recovery codes for accounts with TOTP: shown once at enrolment, stored only as
 * SHA-256 hashes, each usable once in place of a TOTP code.
 */
import { randomBytes, sha256Hex } from "./crypto";
import { base32Encode } from "./totp";

/** Codes issued per enrolment. */
export const RECOVERY_CODE_COUNT = 10;
/** Base32 characters per code: 50 bits, far beyond online guessing under the login limits. */
const RECOVERY_CODE_CHARS = 10;

/** Fresh codes in the display form `abcde-fghij`. */
export function generateRecoveryCodes(): string[] {
  const codes: string[] = [];
  for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
    // 7 bytes = 56 bits → 12 base32 characters, of which the first 10 are kept.
    const raw = base32Encode(randomBytes(7)).slice(0, RECOVERY_CODE_CHARS).toLowerCase();
    codes.push(`${raw.slice(0, 5)}-${raw.slice(5)}`);
  }
  return codes;
}

/** What people type, reduced to the hashed form: lower case, no dashes or spaces. */
export function normaliseRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, "");
}

/** True when the input has the shape of a recovery code (not a 6-digit TOTP code). */
export function looksLikeRecoveryCode(input: string): boolean {
  return /^[a-z2-7]{10}$/.test(normaliseRecoveryCode(input));
}

/**
 * Stored hash of a code. Codes are 50-bit random, so a fast hash suffices (no KDF), as for API
 * keys; normalising first makes `ABCDE FGHIJ` and `abcde-fghij` the same code.
 */
export function hashRecoveryCode(code: string): Promise<string> {
  return sha256Hex(normaliseRecoveryCode(code));
}
