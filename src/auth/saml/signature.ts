/**
 * Enveloped XML-DSig verification of one element (a Response or an Assertion) with xml-crypto,
 * which runs on workerd through `nodejs_compat` (node:crypto `createVerify`). This module adds
 * the checks that make the result safe to use:
 *
 * - the signature must be a direct child of the element, with exactly one Reference whose URI is
 *   `#` + that element's ID, so a signature over some other element proves nothing about this one;
 * - only allow-listed algorithms (RSA-SHA256/512, SHA-256/512 digests, exclusive c14n, the
 *   enveloped transform); SHA-1 and HMAC are refused;
 * - the key is one of the configured IdP certificates; KeyInfo in the message is ignored;
 * - the caller gets the element re-parsed from the canonical bytes that were digested, never the
 *   node of the received document, so nothing unsigned can be read by mistake.
 */
import { SignedXml } from "xml-crypto";
import { parseCertificate } from "./certificate";
import {
  ALLOWED_DIGEST_ALGORITHMS,
  ALLOWED_SIGNATURE_ALGORITHMS,
  ALLOWED_TRANSFORMS,
  C14N_EXCLUSIVE,
  NS_DSIG,
} from "./constants";
import { SamlError } from "./errors";
import { attr, children, optionalChild, parseXmlStrict } from "./xml";

/** The element's `ds:Signature` child, or null when it is not signed. */
export function signatureOf(el: Element): Element | null {
  return optionalChild(el, NS_DSIG, "Signature");
}

function pick<T>(all: Record<string, T>, keys: readonly string[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of keys) {
    const v = all[k];
    if (v !== undefined) {
      out[k] = v;
    }
  }
  return out;
}

/** Checks the unverified SignedInfo shape before any cryptography (cheap, clear errors). */
function checkSignedInfo(signature: Element, expectedUri: string): void {
  const signedInfo = optionalChild(signature, NS_DSIG, "SignedInfo");
  if (!signedInfo) {
    throw new SamlError("malformed", "Signature has no SignedInfo");
  }
  const c14n = optionalChild(signedInfo, NS_DSIG, "CanonicalizationMethod");
  if (!c14n || attr(c14n, "Algorithm") !== C14N_EXCLUSIVE) {
    throw new SamlError("algorithm", "SignedInfo must use exclusive XML canonicalization");
  }
  const method = optionalChild(signedInfo, NS_DSIG, "SignatureMethod");
  const alg = method ? attr(method, "Algorithm") : null;
  if (!alg || !(ALLOWED_SIGNATURE_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new SamlError("algorithm", `Signature algorithm ${alg ?? "(none)"} is not allowed`);
  }
  const refs = children(signedInfo, NS_DSIG, "Reference");
  if (refs.length !== 1 || !refs[0]) {
    throw new SamlError("wrapped", "A signature must have exactly one Reference");
  }
  if (attr(refs[0], "URI") !== expectedUri) {
    throw new SamlError("wrapped", "The signature does not reference the element that carries it");
  }
}

/** Checks the verified reference list: one reference, to our element, allowed algorithms. */
function checkVerifiedReferences(sx: SignedXml, expectedUri: string): void {
  const refs = sx.getReferences();
  const ref = refs[0];
  if (refs.length !== 1 || !ref || ref.uri !== expectedUri) {
    throw new SamlError("wrapped", "The signature does not reference the element that carries it");
  }
  if (!(ALLOWED_DIGEST_ALGORITHMS as readonly string[]).includes(ref.digestAlgorithm)) {
    throw new SamlError("algorithm", `Digest algorithm ${ref.digestAlgorithm} is not allowed`);
  }
  // loadReference appends an implicit inclusive c14n after a trailing enveloped transform only
  // when no canonicalization was listed; we require exclusive c14n to be listed explicitly.
  const transforms = ref.transforms ?? [];
  const allowed = ALLOWED_TRANSFORMS as readonly string[];
  if (
    transforms.length === 0 ||
    transforms.length > allowed.length ||
    transforms.some((t, i) => t !== allowed[allowed.length - transforms.length + i]) ||
    transforms[transforms.length - 1] !== C14N_EXCLUSIVE
  ) {
    throw new SamlError("algorithm", "Reference transforms must be enveloped-signature + exc-c14n");
  }
}

/**
 * Verifies the enveloped signature of `el` (which must be in the document parsed from `xml`)
 * against each certificate until one matches. Returns the signed element re-parsed from its
 * canonical form. Throws `SamlError` (`wrapped`, `algorithm`, `bad_signature`, `malformed`).
 */
export function verifyEnvelopedSignature(
  xml: string,
  el: Element,
  signature: Element,
  certificatesPem: readonly string[],
): Element {
  const id = attr(el, "ID");
  if (!id) {
    throw new SamlError("malformed", `A signed ${el.localName} must have an ID`);
  }
  const expectedUri = `#${id}`;
  checkSignedInfo(signature, expectedUri);
  if (certificatesPem.length === 0) {
    throw new SamlError("bad_signature", "No IdP signing certificate is configured");
  }
  // The configured certificates pin the keys; their validity dates are not enforced here
  // (a pinned key is trusted until the admin replaces it, as every major SP does).
  const keys = certificatesPem.map((c) => parseCertificate(c).publicKeyPem);
  for (const key of keys) {
    const sx = new SignedXml({ publicCert: key });
    sx.SignatureAlgorithms = pick(sx.SignatureAlgorithms, ALLOWED_SIGNATURE_ALGORITHMS);
    sx.HashAlgorithms = pick(sx.HashAlgorithms, ALLOWED_DIGEST_ALGORITHMS);
    sx.CanonicalizationAlgorithms = pick(sx.CanonicalizationAlgorithms, ALLOWED_TRANSFORMS);
    let valid = false;
    try {
      sx.loadSignature(signature);
      valid = sx.checkSignature(xml);
    } catch (err) {
      if (err instanceof Error && /multiple (elements|Signature)/.test(err.message)) {
        throw new SamlError("wrapped", "Duplicate IDs or signatures in the document");
      }
      if (err instanceof Error && /not supported|is not allowed/.test(err.message)) {
        throw new SamlError("algorithm", "The signature uses an algorithm that is not allowed");
      }
      valid = false;
    }
    if (!valid) {
      continue;
    }
    checkVerifiedReferences(sx, expectedUri);
    const signed = sx.getSignedReferences();
    if (signed.length !== 1 || signed[0] === undefined) {
      throw new SamlError("wrapped", "A signature must cover exactly one element");
    }
    const reparsed = parseXmlStrict(signed[0], "Signed content").documentElement;
    if (
      !reparsed ||
      reparsed.namespaceURI !== el.namespaceURI ||
      reparsed.localName !== el.localName ||
      attr(reparsed, "ID") !== id
    ) {
      throw new SamlError("wrapped", "The signed content is not the element that carries it");
    }
    return reparsed;
  }
  throw new SamlError("bad_signature", `The ${el.localName} signature is not valid`);
}
