/**
 * X.509 signing certificates of an IdP: normalised to PEM, with the public key extracted as
 * SPKI (what the signature check uses) by a minimal DER walk. Pure JavaScript, so the same code
 * runs on workerd and Node, and a bad certificate is reported when the provider is saved
 * rather than at the first sign-in.
 */
import { fromBase64 } from "../crypto";
import { SamlError } from "./errors";

/** RSA keys shorter than this are refused (NIST SP 800-131A). */
export const MIN_RSA_KEY_BITS = 2048;

const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

/** A parsed IdP certificate. */
export interface IdpCertificate {
  /** The certificate as PEM (64-column base64). */
  pem: string;
  /** Its SubjectPublicKeyInfo as a `PUBLIC KEY` PEM. */
  publicKeyPem: string;
  notBefore: number;
  notAfter: number;
  keyBits: number;
}

interface Tlv {
  tag: number;
  start: number;
  /** Offset of the value. */
  value: number;
  end: number;
}

function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  const tag = der[at];
  let len = der[at + 1];
  if (tag === undefined || len === undefined || at + 2 > limit) {
    throw new Error("truncated");
  }
  let value = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) {
      throw new Error("bad length");
    }
    len = 0;
    for (let i = 0; i < n; i++) {
      len = len * 256 + (der[value + i] ?? 0);
    }
    value += n;
  }
  const end = value + len;
  if (end > limit) {
    throw new Error("truncated");
  }
  return { tag, start: at, value, end };
}

/** The TLVs directly inside a constructed TLV. */
function items(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.value; at < parent.end; ) {
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function oid(der: Uint8Array, t: Tlv): string {
  const bytes = der.subarray(t.value, t.end);
  const first = bytes[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let acc = 0;
  for (const b of bytes.subarray(1)) {
    acc = acc * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(acc);
      acc = 0;
    }
  }
  return parts.join(".");
}

function time(der: Uint8Array, t: Tlv): number {
  const s = new TextDecoder().decode(der.subarray(t.value, t.end));
  // UTCTime (0x17) YYMMDDHHMMSSZ, GeneralizedTime (0x18) YYYYMMDDHHMMSSZ.
  const m =
    t.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) {
    throw new Error("bad time");
  }
  let year = Number(m[1]);
  if (t.tag === 0x17) {
    year += year < 50 ? 2000 : 1900;
  }
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) {
    bin += String.fromCharCode(b);
  }
  return btoa(bin);
}

/** Wraps DER bytes as PEM with the given label. */
export function toPem(der: Uint8Array, label: string): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function rsaModulusBits(der: Uint8Array, spki: Tlv): number {
  const [alg, key] = items(der, spki);
  const algOid = alg ? items(der, alg)[0] : undefined;
  if (!algOid || !key || key.tag !== 0x03 || oid(der, algOid) !== OID_RSA_ENCRYPTION) {
    throw new SamlError("malformed", "The certificate's key is not an RSA key");
  }
  // BIT STRING: one "unused bits" byte, then RSAPublicKey ::= SEQUENCE { modulus, exponent }.
  const rsa = readTlv(der, key.value + 1, key.end);
  const modulus = items(der, rsa)[0];
  if (modulus?.tag !== 0x02) {
    throw new Error("bad RSA key");
  }
  let bytes = der.subarray(modulus.value, modulus.end);
  while (bytes.length > 0 && bytes[0] === 0) {
    bytes = bytes.subarray(1);
  }
  return bytes.length * 8;
}

/**
 * Parses a certificate given as PEM or bare base64 (as in metadata `X509Certificate`).
 * Throws `SamlError("malformed")` with a message fit for the admin who pasted it.
 */
export function parseCertificate(input: string): IdpCertificate {
  const body = input
    .replace(/-----BEGIN CERTIFICATE-----/, "")
    .replace(/-----END CERTIFICATE-----/, "")
    .replace(/\s+/g, "");
  if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new SamlError("malformed", "The certificate is not PEM or base64 DER");
  }
  const der = fromBase64(body);
  try {
    const cert = readTlv(der, 0, der.length);
    const [tbs] = items(der, cert);
    if (cert.tag !== 0x30 || cert.end !== der.length || !tbs || tbs.tag !== 0x30) {
      throw new Error("not a certificate");
    }
    const fields = items(der, tbs);
    // Skip the optional [0] version.
    const f = fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
    const validity = f[3];
    const spki = f[5];
    if (!validity || !spki || validity.tag !== 0x30 || spki.tag !== 0x30) {
      throw new Error("not a certificate");
    }
    const [nb, na] = items(der, validity);
    if (!nb || !na) {
      throw new Error("no validity");
    }
    const keyBits = rsaModulusBits(der, spki);
    if (keyBits < MIN_RSA_KEY_BITS) {
      throw new SamlError("malformed", `The certificate's RSA key has ${keyBits} bits; use 2048+`);
    }
    return {
      pem: toPem(der, "CERTIFICATE"),
      publicKeyPem: toPem(der.subarray(spki.start, spki.end), "PUBLIC KEY"),
      notBefore: time(der, nb),
      notAfter: time(der, na),
      keyBits,
    };
  } catch (err) {
    if (err instanceof SamlError) {
      throw err;
    }
    throw new SamlError("malformed", "The certificate is not a valid X.509 certificate");
  }
}
