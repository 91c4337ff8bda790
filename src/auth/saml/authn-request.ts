/**
 * AuthnRequest for the HTTP-Redirect binding (SAML bindings 3.4): the XML is raw-DEFLATE
 * compressed, base64-encoded and sent as the `SAMLRequest` query parameter. Requests are not
 * signed (most IdPs do not require it; the response's InResponseTo binding is what protects the
 * flow).
 */
import { deflateSync, inflateSync } from "fflate";
import { randomBytes, toHex } from "../crypto";
import { BINDING_HTTP_POST, NAMEID_UNSPECIFIED, NS_ASSERTION, NS_PROTOCOL } from "./constants";
import { escapeXml } from "./xml";

/** A fresh request ID: an NCName (SAML IDs must not start with a digit), 160 random bits. */
export function newRequestId(): string {
  return `_${toHex(randomBytes(20))}`;
}

/** What an AuthnRequest says. */
export interface AuthnRequestInput {
  id: string;
  /** Epoch ms. */
  issueInstant: number;
  spEntityId: string;
  acsUrl: string;
  /** The IdP's SingleSignOnService URL for the HTTP-Redirect binding. */
  idpSsoUrl: string;
  nameIdFormat?: string;
}

/** The AuthnRequest XML. */
export function buildAuthnRequestXml(input: AuthnRequestInput): string {
  const format = input.nameIdFormat ?? NAMEID_UNSPECIFIED;
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}"` +
    ` ID="${escapeXml(input.id)}" Version="2.0"` +
    ` IssueInstant="${new Date(input.issueInstant).toISOString()}"` +
    ` Destination="${escapeXml(input.idpSsoUrl)}"` +
    ` AssertionConsumerServiceURL="${escapeXml(input.acsUrl)}"` +
    ` ProtocolBinding="${BINDING_HTTP_POST}">` +
    `<saml:Issuer>${escapeXml(input.spEntityId)}</saml:Issuer>` +
    `<samlp:NameIDPolicy Format="${escapeXml(format)}" AllowCreate="true"/>` +
    `</samlp:AuthnRequest>`
  );
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) {
    bin += String.fromCharCode(b);
  }
  return btoa(bin);
}

/** The URL to redirect the browser to (SSO URL + SAMLRequest [+ RelayState]). */
export function authnRequestRedirectUrl(input: AuthnRequestInput, relayState?: string): string {
  const xml = buildAuthnRequestXml(input);
  const url = new URL(input.idpSsoUrl);
  url.searchParams.append("SAMLRequest", toBase64(deflateSync(new TextEncoder().encode(xml))));
  if (relayState !== undefined) {
    url.searchParams.append("RelayState", relayState);
  }
  return url.toString();
}

/** Decodes a `SAMLRequest` redirect parameter back to XML (what an IdP does; used in tests). */
export function decodeRedirectRequest(param: string): string {
  const bin = atob(param);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) {
    bytes[i] = bin.charCodeAt(i);
  }
  return new TextDecoder().decode(inflateSync(bytes));
}
