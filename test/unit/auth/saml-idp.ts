/**
 * A test identity provider: a locally generated RSA key with a self-signed X.509 certificate
 * (built here in DER with WebCrypto, so it works on Node and workerd), and a builder for signed
 * SAML Responses (signed with xml-crypto, as a real IdP would). Tests tamper with the output to
 * produce every refusal.
 */
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";

const NS_P = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_A = "urn:oasis:names:tc:SAML:2.0:assertion";
const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";

/** A signing identity. */
export interface TestIdp {
  entityId: string;
  certPem: string;
  privateKeyPem: string;
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const head =
    len < 0x80
      ? [tag, len]
      : len < 0x100
        ? [tag, 0x81, len]
        : len < 0x10000
          ? [tag, 0x82, len >> 8, len & 0xff]
          : [tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
  const out = new Uint8Array(head.length + len);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bytes = (...b: number[]) => new Uint8Array(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

function derTime(ms: number): Uint8Array {
  const iso = new Date(ms).toISOString();
  const digits = iso.replace(/[-:T]/g, "").slice(0, 14);
  const year = Number(digits.slice(0, 4));
  return year < 2050 ? der(0x17, utf8(`${digits.slice(2)}Z`)) : der(0x18, utf8(`${digits}Z`));
}

function b64(data: Uint8Array): string {
  let bin = "";
  for (const x of data) {
    bin += String.fromCharCode(x);
  }
  return btoa(bin);
}

function pem(data: Uint8Array, label: string): string {
  return `-----BEGIN ${label}-----\n${(b64(data).match(/.{1,64}/g) ?? []).join("\n")}\n-----END ${label}-----\n`;
}

/** Generates an RSA key and a self-signed certificate (sha256WithRSAEncryption). */
export async function createTestIdp(
  opts: { entityId?: string; keyBits?: number; notAfter?: number } = {},
): Promise<TestIdp> {
  const keys = (await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: opts.keyBits ?? 2048,
      publicExponent: bytes(1, 0, 1),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const spki = new Uint8Array(
    (await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer,
  );
  const pkcs8 = new Uint8Array(
    (await crypto.subtle.exportKey("pkcs8", keys.privateKey)) as ArrayBuffer,
  );
  const sigAlg = der(
    0x30,
    der(0x06, bytes(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11)),
    bytes(5, 0),
  );
  const name = der(0x31, der(0x30, der(0x06, bytes(0x55, 4, 3)), der(0x0c, utf8("Test IdP"))));
  const serial = crypto.getRandomValues(new Uint8Array(9));
  serial[0] = 1;
  const now = Date.now();
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, bytes(2))),
    der(0x02, serial),
    sigAlg,
    der(0x30, name),
    der(0x30, derTime(now - 86_400_000), derTime(opts.notAfter ?? now + 365 * 86_400_000)),
    der(0x30, name),
    spki,
  );
  const sig = new Uint8Array(
    await crypto.subtle.sign("RSASSA-PKCS1-v1_5", keys.privateKey, tbs as Uint8Array<ArrayBuffer>),
  );
  const cert = der(0x30, tbs, sigAlg, der(0x03, bytes(0), sig));
  return {
    entityId: opts.entityId ?? `https://idp.example.test/${crypto.randomUUID()}`,
    certPem: pem(cert, "CERTIFICATE"),
    privateKeyPem: pem(pkcs8, "PRIVATE KEY"),
  };
}

/** Everything a test may vary in a Response; defaults make a valid one. */
export interface ResponseSpec {
  issuer: string;
  spEntityId: string;
  acsUrl: string;
  inResponseTo: string | null;
  now: number;
  responseId?: string;
  assertionId?: string;
  nameId?: string;
  /** Issuer of the Response element (defaults to `issuer`; null omits it). */
  responseIssuer?: string | null;
  audience?: string;
  recipient?: string;
  destination?: string | null;
  notBefore?: number;
  notOnOrAfter?: number;
  /** SubjectConfirmationData NotOnOrAfter. */
  confirmationNotOnOrAfter?: number;
  statusCode?: string;
  attributes?: Record<string, string[]>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The Assertion XML (unsigned). */
export function assertionXml(spec: ResponseSpec): string {
  const id = spec.assertionId ?? `_a${crypto.randomUUID().replace(/-/g, "")}`;
  const irt = spec.inResponseTo === null ? "" : ` InResponseTo="${esc(spec.inResponseTo)}"`;
  const attrs = Object.entries(spec.attributes ?? {})
    .map(
      ([n, vs]) =>
        `<saml:Attribute Name="${esc(n)}">${vs
          .map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`)
          .join("")}</saml:Attribute>`,
    )
    .join("");
  return (
    `<saml:Assertion xmlns:saml="${NS_A}" ID="${id}" Version="2.0" IssueInstant="${iso(spec.now)}">` +
    `<saml:Issuer>${esc(spec.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(
      spec.nameId ?? "alice@example.com",
    )}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${irt} NotOnOrAfter="${iso(
      spec.confirmationNotOnOrAfter ?? spec.now + 5 * 60_000,
    )}" Recipient="${esc(spec.recipient ?? spec.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(spec.notBefore ?? spec.now - 60_000)}" NotOnOrAfter="${iso(
      spec.notOnOrAfter ?? spec.now + 10 * 60_000,
    )}"><saml:AudienceRestriction><saml:Audience>${esc(
      spec.audience ?? spec.spEntityId,
    )}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(spec.now)}" SessionIndex="_s1"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement>` +
    (attrs ? `<saml:AttributeStatement>${attrs}</saml:AttributeStatement>` : "") +
    `</saml:Assertion>`
  );
}

/** Wraps an assertion (XML text) in a Response. */
export function responseXml(spec: ResponseSpec, assertion: string): string {
  const id = spec.responseId ?? `_r${crypto.randomUUID().replace(/-/g, "")}`;
  const irt = spec.inResponseTo === null ? "" : ` InResponseTo="${esc(spec.inResponseTo)}"`;
  const dest =
    spec.destination === null ? "" : ` Destination="${esc(spec.destination ?? spec.acsUrl)}"`;
  const issuer = spec.responseIssuer === undefined ? spec.issuer : spec.responseIssuer;
  return (
    `<samlp:Response xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="${id}" Version="2.0"` +
    ` IssueInstant="${iso(spec.now)}"${dest}${irt}>` +
    (issuer === null ? "" : `<saml:Issuer>${esc(issuer)}</saml:Issuer>`) +
    `<samlp:Status><samlp:StatusCode Value="${esc(
      spec.statusCode ?? "urn:oasis:names:tc:SAML:2.0:status:Success",
    )}"/></samlp:Status>` +
    assertion +
    `</samlp:Response>`
  );
}

/** Signs the element named `local` (Response or Assertion) in `xml`, Signature after Issuer. */
export function signElement(
  xml: string,
  idp: TestIdp,
  local: "Response" | "Assertion",
  opts: { signatureAlgorithm?: string; digestAlgorithm?: string } = {},
): string {
  const target = `//*[local-name(.)='${local}']`;
  const sx = new SignedXml({
    privateKey: idp.privateKeyPem,
    publicCert: idp.certPem,
    signatureAlgorithm: opts.signatureAlgorithm ?? RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sx.addReference({
    xpath: target,
    transforms: [ENVELOPED, EXC_C14N],
    digestAlgorithm: opts.digestAlgorithm ?? SHA256,
  });
  sx.computeSignature(xml, {
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: "after" },
  });
  return sx.getSignedXml();
}

/** A complete Response signed as asked. */
export function signedResponse(
  idp: TestIdp,
  spec: ResponseSpec,
  sign: "assertion" | "response" | "both" = "assertion",
): string {
  let assertion = assertionXml(spec);
  if (sign !== "response") {
    assertion = signElement(assertion, idp, "Assertion");
  }
  const response = responseXml(spec, assertion);
  return sign === "assertion" ? response : signElement(response, idp, "Response");
}

/** Parses XML for tampering. */
export function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, "text/xml");
}

/** Serialises a tampered document. */
export function serialize(doc: Document | Node): string {
  return new XMLSerializer().serializeToString(doc);
}

/** Base64 of UTF-8 text (the SAMLResponse form field). */
export function toBase64Field(xml: string): string {
  return b64(utf8(xml));
}

export { NS_A as TEST_NS_ASSERTION, NS_P as TEST_NS_PROTOCOL };
