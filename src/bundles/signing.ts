/**
 * Ed25519 signing of manifest.json with `@noble/ed25519` (async API: SHA-512 comes from
 * crypto.subtle, so nothing else needs configuring). Verification on nodes deliberately uses a
 * second implementation (WebCrypto, see verify.ts).
 *
 * Key ids: `kid = "zk_" + first 16 hex chars of SHA-256(raw 32-byte public key)`. The id is
 * derived from the key itself, so a kid can never silently point at a different key.
 * Public keys travel as base64url (no padding) of the raw 32 bytes; private keys are the RFC 8032
 * 32-byte seed.
 */
import { getPublicKeyAsync, signAsync, utils } from "@noble/ed25519";
import { fromBase64, fromBase64Url, sha256Hex, toBase64, toBase64Url, utf8Decode } from "./bytes";
import { canonicalJsonBytes } from "./canonical-json";

/** The only signature algorithm of bundle format v1. */
export const SIGNATURE_ALG = "Ed25519";
/** Prefix of every key id. */
export const KEY_ID_PREFIX = "zk_";
/** Hex characters of the public-key SHA-256 kept in a key id (64 bits). */
const KEY_ID_HEX_CHARS = 16;
const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

/** Contents of manifest.sig. */
export type SignatureFile = { alg: typeof SIGNATURE_ALG; kid: string; sig: string };

/** What the archive builder needs to sign: the key id and the 32-byte private seed. */
export type SigningKey = { kid: string; privateKey: Uint8Array };

/** A freshly generated key pair; `publicKey` is base64url of the raw 32 bytes. */
export type GeneratedSigningKey = SigningKey & { publicKey: string };

/** Raised for malformed keys or manifest.sig contents, or a kid that does not match its key. */
export class SigningError extends Error {
  override name = "SigningError";
}

/** `zk_` + the first 16 hex chars of SHA-256 of the raw public key. */
export async function keyIdForPublicKey(publicKey: Uint8Array): Promise<string> {
  if (publicKey.byteLength !== ED25519_KEY_BYTES) {
    throw new SigningError("an Ed25519 public key is 32 bytes");
  }
  return KEY_ID_PREFIX + (await sha256Hex(publicKey)).slice(0, KEY_ID_HEX_CHARS);
}

/** Base64url (unpadded) text form of a raw 32-byte public key. */
export function encodePublicKey(publicKey: Uint8Array): string {
  if (publicKey.byteLength !== ED25519_KEY_BYTES) {
    throw new SigningError("an Ed25519 public key is 32 bytes");
  }
  return toBase64Url(publicKey);
}

/** Inverse of {@link encodePublicKey}; throws {@link SigningError} unless it decodes to 32 bytes. */
export function decodePublicKey(text: string): Uint8Array<ArrayBuffer> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64Url(text);
  } catch {
    throw new SigningError("public key is not base64url");
  }
  if (raw.byteLength !== ED25519_KEY_BYTES) {
    throw new SigningError("an Ed25519 public key is 32 bytes");
  }
  return raw;
}

/** The raw public key of a 32-byte private seed. */
export async function publicKeyFromPrivate(privateKey: Uint8Array): Promise<Uint8Array> {
  if (privateKey.byteLength !== ED25519_KEY_BYTES) {
    throw new SigningError("an Ed25519 private key (seed) is 32 bytes");
  }
  return getPublicKeyAsync(privateKey);
}

/** Generates a key pair from crypto.getRandomValues. */
export async function generateSigningKey(): Promise<GeneratedSigningKey> {
  const privateKey = utils.randomSecretKey();
  const publicKey = await getPublicKeyAsync(privateKey);
  return {
    kid: await keyIdForPublicKey(publicKey),
    privateKey,
    publicKey: encodePublicKey(publicKey),
  };
}

/**
 * Signs the exact manifest.json bytes. Returns the base64 signature, the manifest.sig object and
 * its canonical-JSON bytes. Throws {@link SigningError} if `key.kid` is not the id of the key's
 * public half (a bundle signed that way could never verify on a node).
 */
export async function signManifest(
  manifestBytes: Uint8Array,
  key: SigningKey,
): Promise<{ signature: string; file: SignatureFile; fileBytes: Uint8Array<ArrayBuffer> }> {
  const kid = await keyIdForPublicKey(await publicKeyFromPrivate(key.privateKey));
  if (kid !== key.kid) {
    throw new SigningError(`kid ${key.kid} does not belong to this private key (expected ${kid})`);
  }
  const signature = toBase64(await signAsync(manifestBytes, key.privateKey));
  const file: SignatureFile = { alg: SIGNATURE_ALG, kid, sig: signature };
  return { signature, file, fileBytes: canonicalJsonBytes(file) };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses manifest.sig: a JSON object with exactly `alg` ("Ed25519"), `kid` and `sig` (standard
 * base64 of 64 bytes). Returns the parsed file and the raw signature bytes.
 */
export function parseSignatureFile(bytes: Uint8Array): {
  file: SignatureFile;
  signature: Uint8Array<ArrayBuffer>;
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decode(bytes));
  } catch {
    throw new SigningError("manifest.sig is not UTF-8 JSON");
  }
  if (!isJsonObject(parsed)) {
    throw new SigningError("manifest.sig is not a JSON object");
  }
  const keys = Object.keys(parsed).sort().join(",");
  const { alg, kid, sig } = parsed;
  if (keys !== "alg,kid,sig" || alg !== SIGNATURE_ALG) {
    throw new SigningError('manifest.sig must be {"alg":"Ed25519","kid":…,"sig":…}');
  }
  if (typeof kid !== "string" || kid === "" || typeof sig !== "string") {
    throw new SigningError("manifest.sig kid and sig must be strings");
  }
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = fromBase64(sig);
  } catch {
    throw new SigningError("manifest.sig sig is not base64");
  }
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) {
    throw new SigningError("an Ed25519 signature is 64 bytes");
  }
  return { file: { alg: SIGNATURE_ALG, kid, sig }, signature };
}
