import { randomBytes, sha256Hex, toBase64Url } from "./crypto";

/** Prefixes make leaked secrets recognisable (and greppable by secret scanners). */
export const API_KEY_PREFIX = "zcp_";
export const ENROLLMENT_TOKEN_PREFIX = "zet_";
/** Characters of a secret shown in lists so people can tell keys apart. */
export const DISPLAY_PREFIX_LENGTH = 12;

/** A newly minted secret: the value (shown once), its display prefix and its hash (stored). */
export interface MintedSecret {
  value: string;
  prefix: string;
  hash: string;
}

/**
 * Mints a 256-bit random secret. Secrets are high-entropy, so a single SHA-256 is an adequate
 * at-rest hash (no slow KDF needed, unlike passwords) and allows an indexed lookup.
 */
export async function mintSecret(prefix = ""): Promise<MintedSecret> {
  const value = `${prefix}${toBase64Url(randomBytes(32))}`;
  return { value, prefix: value.slice(0, DISPLAY_PREFIX_LENGTH), hash: await hashSecret(value) };
}

/** Hash of a secret as stored in the database. */
export function hashSecret(value: string): Promise<string> {
  return sha256Hex(value);
}

/** Node keys keep the original protocol's shape: 43 base64url characters, no prefix. */
export function mintNodeKey(): Promise<MintedSecret> {
  return mintSecret("");
}
