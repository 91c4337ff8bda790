/**
 * The SAML library inside workerd (nodejs_compat): xml-crypto's node:crypto calls, the DER
 * certificate walk and fflate run here as they do on Node. The full refusal matrix is in
 * test/unit/auth/saml-response.test.ts; this file proves the runtime.
 */
import { describe, expect, it } from "vitest";
import {
  authnRequestRedirectUrl,
  decodeRedirectRequest,
  decodeSamlResponse,
  newRequestId,
  parseCertificate,
  SamlError,
  validateSamlResponse,
} from "../../src/auth/saml";
import {
  assertionXml,
  createTestIdp,
  type ResponseSpec,
  responseXml,
  signElement,
  signedResponse,
  toBase64Field,
} from "../unit/auth/saml-idp";

const SP = "https://cp.example.test/api/v1/auth/saml/acme/metadata";
const ACS = "https://cp.example.test/api/v1/auth/saml/acme/acs";

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SamlError) {
      return err.reason;
    }
    throw err;
  }
  return "accepted";
}

describe("SAML on workerd", () => {
  it("verifies signed responses and refuses wrapped, tampered and foreign ones", async () => {
    const idp = await createTestIdp();
    const other = await createTestIdp({ entityId: idp.entityId });
    const now = Date.now();
    const requestId = newRequestId();
    const spec: ResponseSpec = {
      issuer: idp.entityId,
      spEntityId: SP,
      acsUrl: ACS,
      inResponseTo: requestId,
      now,
      nameId: "bob@example.com",
    };
    const settings = {
      spEntityId: SP,
      acsUrl: ACS,
      idpEntityId: idp.entityId,
      idpCertificatesPem: [idp.certPem],
    };
    const check = (xml: string) =>
      validateSamlResponse(decodeSamlResponse(toBase64Field(xml)), settings, {
        expectedRequestId: requestId,
        now,
      });

    expect(check(signedResponse(idp, spec)).nameId).toBe("bob@example.com");
    expect(check(signedResponse(idp, spec, "response")).nameId).toBe("bob@example.com");
    expect(reason(() => check(signedResponse(other, spec)))).toBe("bad_signature");
    const tampered = signedResponse(idp, spec).replace("bob@example.com", "eve@example.com");
    expect(reason(() => check(tampered))).toBe("bad_signature");
    const signed = signElement(assertionXml(spec), idp, "Assertion");
    const evil = assertionXml({ ...spec, nameId: "eve@example.com" });
    expect(reason(() => check(responseXml(spec, evil + signed)))).toBe("wrapped");
    expect(parseCertificate(idp.certPem).keyBits).toBe(2048);
  });

  it("builds a redirect AuthnRequest that an IdP can inflate", () => {
    const id = newRequestId();
    const url = new URL(
      authnRequestRedirectUrl({
        id,
        issueInstant: Date.now(),
        spEntityId: SP,
        acsUrl: ACS,
        idpSsoUrl: "https://idp.example.test/sso",
      }),
    );
    expect(decodeRedirectRequest(url.searchParams.get("SAMLRequest") ?? "")).toContain(
      `ID="${id}"`,
    );
  });
});
