/**
 * Certificate intake: PEM → X.509 facts (subject, issuer, SANs, validity, fingerprint) and the
 * proof that the private key belongs to the certificate. The key is imported with WebCrypto
 * (PKCS#8 only) and signs a random challenge that the certificate's public key must verify,
 * which works for RSA, ECDSA (P-256/P-384) and Ed25519 alike. No I/O; time is a parameter.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  Certificate,
  id_ce_subjectAltName,
  type Name,
  SubjectAlternativeName,
} from "@peculiar/asn1-x509";

/** Facts exposed by the API and used by the generator and the expiry warnings. */
export interface CertificateFacts {
  subject: string;
  issuer: string;
  /** DNS names and IP addresses from subjectAltName, in certificate order. */
  sans: string[];
  serial: string;
  fingerprintSha256: string;
  keyAlgorithm: string;
  notBefore: number;
  notAfter: number;
}

/** One problem with the submitted material (path: cert_pem, key_pem or chain_pem). */
export interface CertificateProblem {
  path: "cert_pem" | "key_pem" | "chain_pem";
  message: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g;

/** The base64 bodies of every PEM block with label `label`. */
export function pemBlocks(text: string, label: string): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] !== label) {
      continue;
    }
    const b64 = (match[2] ?? "").replace(/\s+/g, "");
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) {
      bytes[i] = bin.charCodeAt(i);
    }
    out.push(bytes);
  }
  return out;
}

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "1.2.840.113549.1.9.1": "emailAddress",
};

function renderName(name: Name): string {
  return name
    .flatMap((rdn) =>
      rdn.map((atv) => `${SHORT_NAMES[atv.type] ?? atv.type}=${atv.value.toString()}`),
    )
    .join(", ");
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

type KeyParams =
  | { name: "RSASSA-PKCS1-v1_5"; hash: "SHA-256" }
  | { name: "ECDSA"; namedCurve: "P-256" | "P-384" }
  | { name: "Ed25519" };

/** DER encodings of the named-curve OIDs (the EC algorithm's parameters field). */
const EC_CURVES: Record<string, "P-256" | "P-384"> = {
  "06082a8648ce3d030107": "P-256",
  "06052b81040022": "P-384",
};

function keyParams(cert: Certificate): KeyParams | string {
  const alg = cert.tbsCertificate.subjectPublicKeyInfo.algorithm;
  switch (alg.algorithm) {
    case "1.2.840.113549.1.1.1":
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    case "1.3.101.112":
      return { name: "Ed25519" };
    case "1.2.840.10045.2.1": {
      const curve = alg.parameters ? EC_CURVES[hex(alg.parameters)] : undefined;
      return curve ? { name: "ECDSA", namedCurve: curve } : "unsupported elliptic curve";
    }
    default:
      return `unsupported public key algorithm ${alg.algorithm}`;
  }
}

function algorithmLabel(params: KeyParams, cert: Certificate): string {
  switch (params.name) {
    case "RSASSA-PKCS1-v1_5": {
      const spki = new Uint8Array(cert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey);
      // Modulus bits ≈ key size; the DER overhead of a SubjectPublicKey is < 32 bytes.
      return `RSA-${Math.round((spki.byteLength - 14) / 128) * 1024}`;
    }
    case "ECDSA":
      return `ECDSA-${params.namedCurve}`;
    case "Ed25519":
      return "Ed25519";
  }
}

function signParams(params: KeyParams): AlgorithmIdentifier | EcdsaParams {
  return params.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : { name: params.name };
}

async function keyMatches(cert: Certificate, keyDer: Uint8Array<ArrayBuffer>, params: KeyParams) {
  const spki = new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo));
  const publicKey = await crypto.subtle.importKey("spki", spki, params, false, ["verify"]);
  const privateKey = await crypto.subtle.importKey("pkcs8", keyDer, params, false, ["sign"]);
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const signature = await crypto.subtle.sign(signParams(params), privateKey, challenge);
  return crypto.subtle.verify(signParams(params), publicKey, signature, challenge);
}

/** Outcome of {@link inspectCertificate}. */
export type Inspection =
  | { ok: true; facts: CertificateFacts }
  | { ok: false; problems: CertificateProblem[] };

/**
 * Checks submitted certificate material at `now`: exactly one well-formed certificate, not
 * expired, a PKCS#8 private key that matches it, and a well-formed chain when given. Every
 * problem found is reported.
 */
export async function inspectCertificate(
  input: { certPem: string; keyPem: string; chainPem: string | null },
  now: number,
): Promise<Inspection> {
  const problems: CertificateProblem[] = [];
  const certDers = pemBlocks(input.certPem, "CERTIFICATE");
  let cert: Certificate | null = null;
  if (certDers.length !== 1) {
    problems.push({
      path: "cert_pem",
      message: `must hold exactly one PEM 'CERTIFICATE' block (found ${certDers.length}); put intermediates in chain_pem`,
    });
  } else {
    try {
      cert = AsnConvert.parse(certDers[0] as Uint8Array<ArrayBuffer>, Certificate);
    } catch {
      problems.push({ path: "cert_pem", message: "is not a well-formed X.509 certificate" });
    }
  }
  if (input.chainPem !== null && input.chainPem.trim() !== "") {
    const chain = pemBlocks(input.chainPem, "CERTIFICATE");
    if (chain.length === 0) {
      problems.push({ path: "chain_pem", message: "holds no PEM 'CERTIFICATE' block" });
    }
    for (const [i, der] of chain.entries()) {
      try {
        AsnConvert.parse(der, Certificate);
      } catch {
        problems.push({ path: "chain_pem", message: `certificate #${i + 1} is not well-formed` });
      }
    }
  }
  const keyDers = pemBlocks(input.keyPem, "PRIVATE KEY");
  if (keyDers.length !== 1) {
    const other = /-----BEGIN (RSA|EC) PRIVATE KEY-----/.test(input.keyPem);
    problems.push({
      path: "key_pem",
      message: other
        ? "must be PKCS#8 ('BEGIN PRIVATE KEY'); convert with `openssl pkcs8 -topk8 -nocrypt`"
        : "must hold exactly one unencrypted PEM 'PRIVATE KEY' block (PKCS#8)",
    });
  }
  if (cert === null) {
    return { ok: false, problems };
  }
  const validity = cert.tbsCertificate.validity;
  const notBefore = validity.notBefore.getTime().getTime();
  const notAfter = validity.notAfter.getTime().getTime();
  if (notAfter <= now) {
    problems.push({
      path: "cert_pem",
      message: `expired on ${new Date(notAfter).toISOString()}`,
    });
  }
  const params = keyParams(cert);
  if (typeof params === "string") {
    problems.push({ path: "cert_pem", message: params });
  } else if (keyDers.length === 1) {
    const keyDer = keyDers[0] as Uint8Array<ArrayBuffer>;
    let matches = false;
    try {
      matches = await keyMatches(cert, keyDer, params);
    } catch {
      matches = false;
    }
    if (!matches) {
      problems.push({
        path: "key_pem",
        message: "does not match the certificate's public key (or is not a key of its algorithm)",
      });
    }
  }
  if (problems.length > 0 || typeof params === "string") {
    return { ok: false, problems };
  }
  const sanExt = cert.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectAltName);
  const sans = sanExt
    ? AsnConvert.parse(sanExt.extnValue, SubjectAlternativeName).flatMap((g) =>
        g.dNSName ? [g.dNSName] : g.iPAddress ? [g.iPAddress] : [],
      )
    : [];
  const der = certDers[0] as Uint8Array<ArrayBuffer>;
  return {
    ok: true,
    facts: {
      subject: renderName(cert.tbsCertificate.subject),
      issuer: renderName(cert.tbsCertificate.issuer),
      sans,
      serial: hex(cert.tbsCertificate.serialNumber),
      fingerprintSha256: hex(await crypto.subtle.digest("SHA-256", der)),
      keyAlgorithm: algorithmLabel(params, cert),
      notBefore,
      notAfter,
    },
  };
}
