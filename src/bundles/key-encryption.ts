/**
 * Encryption of signing private keys at rest.
 *
 * Sealed form: `v1.<salt>.<iv>.<ciphertext>`, each part base64url without padding.
 * - key: HKDF-SHA256(ikm = master secret, salt = 16 random bytes per record,
 *   info = "zentinel-cp/signing-key/v1" NUL context) → AES-256-GCM key;
 * - iv: 12 random bytes; ciphertext includes the 16-byte GCM tag; additional data = "v1".
 * The caller-supplied `context` (for example `projectId:kid`) binds a sealed key to its record: a
 * sealed value copied to another record fails to decrypt.
 */
import {
  concatBytes,
  fromBase64,
  fromBase64Url,
  strictBytes,
  toBase64Url,
  utf8Encode,
} from "./bytes";

/** Version tag of the sealed format (also the GCM additional data). */
export const SEALED_KEY_VERSION = "v1";
/** Minimum master secret length. */
export const MASTER_KEY_MIN_BYTES = 32;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const HKDF_INFO_PREFIX = "zentinel-cp/signing-key/v1";

/** Raised when the master secret is unusable or a sealed key cannot be opened. */
export class KeyEncryptionError extends Error {
  override name = "KeyEncryptionError";
}

/** Decodes the master secret (standard or URL-safe base64) and checks its length. */
function decodeMasterKey(masterKey: string): Uint8Array<ArrayBuffer> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64(masterKey);
  } catch {
    try {
      raw = fromBase64Url(masterKey);
    } catch {
      throw new KeyEncryptionError("master key is not base64");
    }
  }
  if (raw.byteLength < MASTER_KEY_MIN_BYTES) {
    throw new KeyEncryptionError(`master key must be at least ${MASTER_KEY_MIN_BYTES} bytes`);
  }
  return raw;
}

async function deriveAesKey(
  masterKey: string,
  salt: Uint8Array,
  context: string,
): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey("raw", decodeMasterKey(masterKey), "HKDF", false, [
    "deriveKey",
  ]);
  const info = concatBytes([utf8Encode(HKDF_INFO_PREFIX), Uint8Array.of(0), utf8Encode(context)]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: strictBytes(salt), info },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/**
 * Seals `privateKey` under `masterKey` (base64, ≥ 32 bytes) for the record named by `context`.
 * Every call uses a fresh salt and IV, so sealing the same key twice gives different strings.
 */
export async function encryptPrivateKey(
  privateKey: Uint8Array,
  masterKey: string,
  context: string,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const key = await deriveAesKey(masterKey, salt, context);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8Encode(SEALED_KEY_VERSION) },
    key,
    strictBytes(privateKey),
  );
  return [SEALED_KEY_VERSION, salt, iv, new Uint8Array(ciphertext)]
    .map((part) => (typeof part === "string" ? part : toBase64Url(part)))
    .join(".");
}

function decodePart(part: string | undefined): Uint8Array<ArrayBuffer> {
  try {
    return fromBase64Url(part ?? "");
  } catch {
    throw new KeyEncryptionError("sealed key has a part that is not base64url");
  }
}

/**
 * Opens a string produced by {@link encryptPrivateKey}. Throws {@link KeyEncryptionError} on a
 * malformed string, a wrong master key or context, or any tampering (GCM authentication).
 */
export async function decryptPrivateKey(
  sealed: string,
  masterKey: string,
  context: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== SEALED_KEY_VERSION) {
    throw new KeyEncryptionError(`sealed key is not in ${SEALED_KEY_VERSION} format`);
  }
  const salt = decodePart(parts[1]);
  const iv = decodePart(parts[2]);
  const ciphertext = decodePart(parts[3]);
  if (salt.byteLength !== SALT_BYTES || iv.byteLength !== IV_BYTES) {
    throw new KeyEncryptionError("sealed key has a malformed salt or iv");
  }
  const key = await deriveAesKey(masterKey, salt, context);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: utf8Encode(SEALED_KEY_VERSION) },
      key,
      ciphertext,
    );
    return new Uint8Array(plain);
  } catch {
    throw new KeyEncryptionError("sealed key failed authentication (wrong master key or tampered)");
  }
}
