import { beforeAll, describe, expect, it } from "vitest";
import {
  CLOCK_SKEW_MS,
  decodeSamlResponse,
  type SamlFailure,
  type SamlValidationSettings,
  validateSamlResponse,
} from "../../../src/auth/saml";
import { SamlError } from "../../../src/auth/saml/errors";
import {
  assertionXml,
  createTestIdp,
  parse,
  type ResponseSpec,
  responseXml,
  serialize,
  signElement,
  signedResponse,
  TEST_NS_ASSERTION,
  TEST_NS_PROTOCOL,
  type TestIdp,
  toBase64Field,
} from "./saml-idp";

const SP = "https://cp.example.test/api/v1/auth/saml/acme/metadata";
const ACS = "https://cp.example.test/api/v1/auth/saml/acme/acs";
const REQUEST_ID = "_req0123456789abcdef";
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

let idp: TestIdp;
let otherIdp: TestIdp;
let settings: SamlValidationSettings;

beforeAll(async () => {
  idp = await createTestIdp({ entityId: "https://idp.example.test/realms/acme" });
  otherIdp = await createTestIdp({ entityId: "https://idp.example.test/realms/acme" });
  settings = {
    spEntityId: SP,
    acsUrl: ACS,
    idpEntityId: idp.entityId,
    idpCertificatesPem: [idp.certPem],
  };
});

const spec = (over: Partial<ResponseSpec> = {}): ResponseSpec => ({
  issuer: idp.entityId,
  spEntityId: SP,
  acsUrl: ACS,
  inResponseTo: REQUEST_ID,
  now: NOW,
  attributes: { email: ["alice@example.com"], groups: ["ops", "admins"] },
  ...over,
});

const validate = (xml: string, now = NOW, s = settings) =>
  validateSamlResponse(xml, s, { expectedRequestId: REQUEST_ID, now });

function refusal(fn: () => unknown): SamlFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof SamlError) {
      return err.reason;
    }
    throw err;
  }
  throw new Error("expected a SamlError, but the response was accepted");
}

const refused = (xml: string, now = NOW) => refusal(() => validate(xml, now));

function el(doc: Document, ns: string, local: string, i = 0): Element {
  const found = doc.getElementsByTagNameNS(ns, local)[i];
  if (!found) {
    throw new Error(`no ${local}`);
  }
  return found;
}

describe("accepted responses", () => {
  it.each(["assertion", "response", "both"] as const)(
    "a response with the %s signed yields the verified identity",
    (sign) => {
      const xml = signedResponse(idp, spec({ assertionId: "_assert1" }), sign);
      const a = validate(xml);
      expect(a.assertionId).toBe("_assert1");
      expect(a.nameId).toBe("alice@example.com");
      expect(a.issuer).toBe(idp.entityId);
      expect(a.attributes).toEqual({ email: ["alice@example.com"], groups: ["ops", "admins"] });
      expect(a.inResponseTo).toBe(REQUEST_ID);
      expect(a.sessionIndex).toBe("_s1");
      // Remembered until the subject confirmation's NotOnOrAfter (+ skew), the earlier bound.
      expect(a.replayUntil).toBe(NOW + 5 * 60_000 + CLOCK_SKEW_MS);
    },
  );

  it("accepts the base64 form field (with line breaks) after decoding", () => {
    const xml = signedResponse(idp, spec());
    const field = toBase64Field(xml).replace(/.{76}/g, "$&\r\n");
    expect(validate(decodeSamlResponse(field)).nameId).toBe("alice@example.com");
  });

  it("accepts a key rollover: the second configured certificate signs", () => {
    const xml = signedResponse(otherIdp, spec());
    const both = { ...settings, idpCertificatesPem: [idp.certPem, otherIdp.certPem] };
    expect(validate(xml, NOW, both).nameId).toBe("alice@example.com");
  });

  it("tolerates clock skew on both ends of the validity window", () => {
    const xml = signedResponse(idp, spec({ notBefore: NOW + 30_000 }));
    expect(validate(xml).nameId).toBe("alice@example.com");
    const late = signedResponse(idp, spec());
    expect(validate(late, NOW + 5 * 60_000 + CLOCK_SKEW_MS - 1).nameId).toBe("alice@example.com");
  });

  it("reads the whole NameID even when a comment splits it (no truncation)", () => {
    const assertion = assertionXml(spec({ assertionId: "_c1" })).replace(
      "alice@example.com</saml:NameID>",
      "alice@example.com<!---->.evil.test</saml:NameID>",
    );
    const xml = responseXml(spec(), signElement(assertion, idp, "Assertion"));
    expect(validate(xml).nameId).toBe("alice@example.com.evil.test");
  });
});

describe("refused responses", () => {
  it("unsigned", () => {
    expect(refused(responseXml(spec(), assertionXml(spec())))).toBe("unsigned");
  });

  it("bad signature: content changed after signing", () => {
    const xml = signedResponse(idp, spec()).replace(
      "alice@example.com</saml:NameID>",
      "mallory@example.com</saml:NameID>",
    );
    expect(refused(xml)).toBe("bad_signature");
  });

  it("bad signature: the signature value itself altered", () => {
    const doc = parse(signedResponse(idp, spec()));
    const sv = el(doc, "http://www.w3.org/2000/09/xmldsig#", "SignatureValue");
    const value = sv.textContent ?? "";
    sv.textContent = `${value.startsWith("A") ? "B" : "A"}${value.slice(1)}`;
    expect(refused(serialize(doc))).toBe("bad_signature");
  });

  it("wrong certificate: signed by another key (its own cert embedded in KeyInfo)", () => {
    expect(refused(signedResponse(otherIdp, spec()))).toBe("bad_signature");
    expect(refused(signedResponse(otherIdp, spec(), "response"))).toBe("bad_signature");
  });

  it("wrong audience", () => {
    expect(refused(signedResponse(idp, spec({ audience: "https://other-sp.test" })))).toBe(
      "wrong_audience",
    );
  });

  it("wrong issuer (assertion) and wrong issuer (response)", () => {
    expect(refused(signedResponse(idp, spec({ issuer: "https://evil.test" })))).toBe(
      "wrong_issuer",
    );
    expect(
      refused(signedResponse(idp, spec({ responseIssuer: "https://evil.test" }), "response")),
    ).toBe("wrong_issuer");
  });

  it("expired: Conditions NotOnOrAfter passed", () => {
    const xml = signedResponse(idp, spec({ notOnOrAfter: NOW - CLOCK_SKEW_MS - 1 }));
    expect(refused(xml)).toBe("expired");
  });

  it("expired: the subject confirmation window passed (beyond the skew)", () => {
    const xml = signedResponse(idp, spec());
    expect(refused(xml, NOW + 5 * 60_000 + CLOCK_SKEW_MS)).toBe("expired");
  });

  it("not yet valid (beyond the skew)", () => {
    const xml = signedResponse(idp, spec({ notBefore: NOW + CLOCK_SKEW_MS + 1000 }));
    expect(refused(xml)).toBe("not_yet_valid");
  });

  it("wrong recipient and wrong destination", () => {
    expect(refused(signedResponse(idp, spec({ recipient: "https://evil.test/acs" })))).toBe(
      "wrong_recipient",
    );
    expect(
      refused(signedResponse(idp, spec({ destination: "https://evil.test/acs" }), "response")),
    ).toBe("wrong_recipient");
    // A signed Response must say where it is going.
    expect(refused(signedResponse(idp, spec({ destination: null }), "response"))).toBe(
      "wrong_recipient",
    );
  });

  it("InResponseTo of another request, and unsolicited (IdP-initiated) responses", () => {
    expect(refused(signedResponse(idp, spec({ inResponseTo: "_someone-else" })))).toBe(
      "wrong_in_response_to",
    );
    expect(refused(signedResponse(idp, spec({ inResponseTo: null })))).toBe("wrong_in_response_to");
  });

  it("a non-Success status from the IdP", () => {
    const xml = signedResponse(
      idp,
      spec({ statusCode: "urn:oasis:names:tc:SAML:2.0:status:Requester" }),
      "response",
    );
    expect(refused(xml)).toBe("idp_error");
  });

  it("SHA-1 signatures and digests", () => {
    const sha1Sig = responseXml(
      spec(),
      signElement(assertionXml(spec()), idp, "Assertion", {
        signatureAlgorithm: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
      }),
    );
    expect(refused(sha1Sig)).toBe("algorithm");
    const sha1Digest = responseXml(
      spec(),
      signElement(assertionXml(spec()), idp, "Assertion", {
        digestAlgorithm: "http://www.w3.org/2000/09/xmldsig#sha1",
      }),
    );
    expect(refused(sha1Digest)).toBe("algorithm");
  });

  it("a DOCTYPE (entity expansion) and malformed XML", () => {
    const xml = signedResponse(idp, spec());
    expect(refused(`<!DOCTYPE r [<!ENTITY x "y">]>${xml}`)).toBe("malformed");
    expect(refused(xml.slice(0, -5))).toBe("malformed");
    expect(refusal(() => decodeSamlResponse("not base64!"))).toBe("malformed");
  });

  it("an encrypted assertion", () => {
    const xml = responseXml(
      spec(),
      `<saml:EncryptedAssertion><x:EncryptedData xmlns:x="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>`,
    );
    expect(refused(xml)).toBe("unsupported");
  });
});

describe("signature wrapping", () => {
  const evilAssertion = (id = "_evil") =>
    assertionXml(spec({ assertionId: id, nameId: "mallory@example.com" }));

  it("an extra (unsigned) assertion next to the signed one", () => {
    const signed = signElement(assertionXml(spec()), idp, "Assertion");
    expect(refused(responseXml(spec(), evilAssertion() + signed))).toBe("wrapped");
    expect(refused(responseXml(spec(), signed + evilAssertion()))).toBe("wrapped");
  });

  it("the signed assertion hidden in Extensions, an evil one in its place", () => {
    const signed = signElement(assertionXml(spec()), idp, "Assertion");
    const xml = responseXml(spec(), evilAssertion()).replace(
      "<samlp:Status>",
      `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`,
    );
    expect(refused(xml)).toBe("wrapped");
  });

  it("the signed assertion nested inside the evil one (same ID)", () => {
    const original = assertionXml(spec({ assertionId: "_same" }));
    const signed = signElement(original, idp, "Assertion");
    const evil = evilAssertion("_same").replace(
      "</saml:Subject>",
      `</saml:Subject><saml:Advice>${signed}</saml:Advice>`,
    );
    expect(refused(responseXml(spec(), evil))).toBe("wrapped");
  });

  it("the original signature moved onto an evil assertion (reference to another element)", () => {
    const doc = parse(signElement(assertionXml(spec({ assertionId: "_orig" })), idp, "Assertion"));
    const signature = el(doc, "http://www.w3.org/2000/09/xmldsig#", "Signature");
    const evilDoc = parse(evilAssertion("_evil2"));
    const evilRoot = evilDoc.documentElement;
    const issuer = el(evilDoc, TEST_NS_ASSERTION, "Issuer");
    if (!evilRoot) {
      throw new Error("no root");
    }
    evilRoot.insertBefore(evilDoc.importNode(signature, true), issuer.nextSibling);
    expect(refused(responseXml(spec(), serialize(evilDoc)))).toBe("wrapped");
  });

  it("the assertion's signature moved up to the Response (reference is not its parent)", () => {
    const doc = parse(signedResponse(idp, spec()));
    const signature = el(doc, "http://www.w3.org/2000/09/xmldsig#", "Signature");
    const root = doc.documentElement;
    const status = el(doc, TEST_NS_PROTOCOL, "Status");
    if (!root) {
      throw new Error("no root");
    }
    root.insertBefore(signature, status);
    expect(refused(serialize(doc))).toBe("wrapped");
  });

  it("a signed Response wrapped inside a new Response with an evil assertion", () => {
    const signed = signedResponse(idp, spec(), "response");
    const outer = responseXml(spec({ responseId: "_outer" }), evilAssertion()).replace(
      "<samlp:Status>",
      `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`,
    );
    expect(refused(outer)).toBe("wrapped");
  });

  it("a signed Response whose assertion was swapped after signing", () => {
    const doc = parse(signedResponse(idp, spec(), "response"));
    const assertion = el(doc, TEST_NS_ASSERTION, "Assertion");
    const evil = parse(evilAssertion(assertion.getAttribute("ID") ?? "_x")).documentElement;
    if (!evil) {
      throw new Error("no evil");
    }
    assertion.parentNode?.replaceChild(doc.importNode(evil, true), assertion);
    expect(refused(serialize(doc))).toBe("bad_signature");
  });
});
