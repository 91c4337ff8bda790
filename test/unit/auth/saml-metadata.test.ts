import { beforeAll, describe, expect, it } from "vitest";
import {
  authnRequestRedirectUrl,
  buildSpMetadataXml,
  decodeRedirectRequest,
  newRequestId,
  parseCertificate,
  parseIdpMetadata,
  SamlError,
} from "../../../src/auth/saml";
import { createTestIdp, parse, type TestIdp } from "./saml-idp";

let idp: TestIdp;
beforeAll(async () => {
  idp = await createTestIdp({ entityId: "https://idp.example.test/realms/acme" });
});

const certBody = () => idp.certPem.replace(/-----[A-Z ]+-----|\s/g, "");

const idpMetadata = (over: { sso?: string; cert?: string; use?: string } = {}) =>
  `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idp.entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="${over.use ?? "signing"}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
      ${over.cert ?? certBody()}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.test/post"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${over.sso ?? "https://idp.example.test/realms/acme/protocol/saml"}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SamlError) {
      return `${err.reason}: ${err.message}`;
    }
    throw err;
  }
  throw new Error("accepted");
}

describe("certificates", () => {
  it("parses PEM and bare base64 to the same key, with its validity", () => {
    const a = parseCertificate(idp.certPem);
    const b = parseCertificate(certBody());
    expect(a.publicKeyPem).toBe(b.publicKeyPem);
    expect(a.publicKeyPem).toContain("BEGIN PUBLIC KEY");
    expect(a.keyBits).toBe(2048);
    expect(a.notAfter).toBeGreaterThan(Date.now());
    expect(a.notBefore).toBeLessThan(Date.now());
  });

  it("refuses garbage, truncated DER and short RSA keys", async () => {
    expect(reason(() => parseCertificate("hello world"))).toMatch(/^malformed/);
    expect(reason(() => parseCertificate(certBody().slice(0, 200)))).toMatch(/not a valid X.509/);
    const weak = await createTestIdp({ keyBits: 1024 });
    expect(reason(() => parseCertificate(weak.certPem))).toMatch(/1024 bits/);
  });
});

describe("IdP metadata", () => {
  it("extracts entity id, HTTP-Redirect SSO URL and the signing certificate", () => {
    const md = parseIdpMetadata(idpMetadata());
    expect(md.entityId).toBe(idp.entityId);
    expect(md.ssoUrl).toBe("https://idp.example.test/realms/acme/protocol/saml");
    expect(md.certificates.map((c) => c.publicKeyPem)).toEqual([
      parseCertificate(idp.certPem).publicKeyPem,
    ]);
  });

  it("reports what is wrong in words an admin can act on", () => {
    expect(reason(() => parseIdpMetadata("<nope"))).toMatch(/not well-formed/);
    expect(reason(() => parseIdpMetadata("<x/>"))).toMatch(/EntityDescriptor/);
    expect(reason(() => parseIdpMetadata(idpMetadata({ use: "encryption" })))).toMatch(
      /no signing certificate/,
    );
    expect(reason(() => parseIdpMetadata(idpMetadata({ cert: "AAAA" })))).toMatch(/X.509/);
    expect(
      reason(() => parseIdpMetadata(idpMetadata({ sso: "http://idp.example.test/x" }))),
    ).toMatch(/https/);
    const noRedirect = idpMetadata().replace(
      /<md:SingleSignOnService Binding="[^"]+HTTP-Redirect"[^>]+>/,
      "",
    );
    expect(reason(() => parseIdpMetadata(noRedirect))).toMatch(/HTTP-Redirect/);
  });
});

describe("SP metadata and AuthnRequest", () => {
  const sp = {
    entityId: "https://cp.example.test/api/v1/auth/saml/acme/metadata",
    acsUrl: "https://cp.example.test/api/v1/auth/saml/acme/acs",
  };

  it("SP metadata names our entity id and the HTTP-POST ACS, and wants signed assertions", () => {
    const doc = parse(buildSpMetadataXml(sp));
    const md = "urn:oasis:names:tc:SAML:2.0:metadata";
    expect(doc.documentElement?.getAttribute("entityID")).toBe(sp.entityId);
    const acs = doc.getElementsByTagNameNS(md, "AssertionConsumerService")[0];
    expect(acs?.getAttribute("Location")).toBe(sp.acsUrl);
    expect(acs?.getAttribute("Binding")).toBe("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    const desc = doc.getElementsByTagNameNS(md, "SPSSODescriptor")[0];
    expect(desc?.getAttribute("WantAssertionsSigned")).toBe("true");
  });

  it("the redirect URL carries a deflated AuthnRequest that round-trips", () => {
    const id = newRequestId();
    expect(id).toMatch(/^_[0-9a-f]{40}$/);
    const url = new URL(
      authnRequestRedirectUrl(
        {
          id,
          issueInstant: Date.UTC(2026, 0, 1),
          spEntityId: sp.entityId,
          acsUrl: sp.acsUrl,
          idpSsoUrl: "https://idp.example.test/sso?tenant=1",
        },
        "rs-1",
      ),
    );
    expect(url.searchParams.get("tenant")).toBe("1");
    expect(url.searchParams.get("RelayState")).toBe("rs-1");
    const xml = decodeRedirectRequest(url.searchParams.get("SAMLRequest") ?? "");
    const req = parse(xml).documentElement;
    expect(req?.localName).toBe("AuthnRequest");
    expect(req?.getAttribute("ID")).toBe(id);
    expect(req?.getAttribute("AssertionConsumerServiceURL")).toBe(sp.acsUrl);
    expect(req?.getAttribute("Destination")).toBe("https://idp.example.test/sso?tenant=1");
    expect(req?.getAttribute("IssueInstant")).toBe("2026-01-01T00:00:00.000Z");
    expect(xml).toContain(`<saml:Issuer>${sp.entityId}</saml:Issuer>`);
  });
});
