/**
 * SAML metadata: our SP descriptor (what an IdP admin imports) and the parser for IdP metadata
 * (what our admin pastes), which extracts the entity id, the HTTP-Redirect SSO URL and the
 * signing certificates, and reports what is missing in words an admin can act on.
 *
 * IdP metadata signatures are not checked: the document is uploaded by an org admin over the
 * authenticated API, which is the trust decision.
 */
import { type IdpCertificate, parseCertificate } from "./certificate";
import {
  BINDING_HTTP_POST,
  BINDING_HTTP_REDIRECT,
  MAX_METADATA_BYTES,
  NAMEID_EMAIL,
  NAMEID_UNSPECIFIED,
  NS_DSIG,
  NS_METADATA,
  NS_PROTOCOL,
} from "./constants";
import { SamlError } from "./errors";
import { attr, children, descendants, escapeXml, isElement, parseXmlStrict, text } from "./xml";

/** Our side of the federation. */
export interface SpDescriptor {
  entityId: string;
  acsUrl: string;
}

/** SP metadata XML: one HTTP-POST ACS, assertions must be signed, requests are not. */
export function buildSpMetadataXml(sp: SpDescriptor): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<md:EntityDescriptor xmlns:md="${NS_METADATA}" entityID="${escapeXml(sp.entityId)}">` +
    `<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true"` +
    ` protocolSupportEnumeration="${NS_PROTOCOL}">` +
    `<md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>` +
    `<md:NameIDFormat>${NAMEID_UNSPECIFIED}</md:NameIDFormat>` +
    `<md:AssertionConsumerService Binding="${BINDING_HTTP_POST}"` +
    ` Location="${escapeXml(sp.acsUrl)}" index="0" isDefault="true"/>` +
    `</md:SPSSODescriptor></md:EntityDescriptor>\n`
  );
}

/** What we take from IdP metadata. */
export interface IdpMetadata {
  entityId: string;
  /** SingleSignOnService Location for the HTTP-Redirect binding. */
  ssoUrl: string;
  certificates: IdpCertificate[];
}

/** A URL an IdP may send browsers to: absolute https (http only for loopback test IdPs). */
export function isAcceptableIdpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") {
    return true;
  }
  return (
    url.protocol === "http:" &&
    (url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]")
  );
}

/**
 * Parses IdP metadata (an EntityDescriptor, or an EntitiesDescriptor holding exactly one IdP).
 * Throws `SamlError("malformed")` naming the first thing that is missing or wrong.
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  if (xml.length > MAX_METADATA_BYTES) {
    throw new SamlError("malformed", "IdP metadata is larger than 512 KiB");
  }
  const doc = parseXmlStrict(xml, "IdP metadata");
  const root = doc.documentElement;
  if (
    !root ||
    !(
      isElement(root, NS_METADATA, "EntityDescriptor") ||
      isElement(root, NS_METADATA, "EntitiesDescriptor")
    )
  ) {
    throw new SamlError("malformed", "IdP metadata must be an md:EntityDescriptor");
  }
  const idps = descendants(doc, NS_METADATA, "IDPSSODescriptor").filter((d) =>
    (attr(d, "protocolSupportEnumeration") ?? "").split(/\s+/).includes(NS_PROTOCOL),
  );
  const idp = idps[0];
  if (idps.length !== 1 || !idp) {
    throw new SamlError(
      "malformed",
      idps.length === 0
        ? "IdP metadata has no SAML 2.0 IDPSSODescriptor"
        : "IdP metadata describes more than one IdP; paste the metadata of one",
    );
  }
  const entity = idp.parentNode as Element | null;
  const entityId = entity ? (attr(entity, "entityID") ?? "").trim() : "";
  if (entityId.length === 0) {
    throw new SamlError("malformed", "IdP metadata has no entityID");
  }
  const sso = children(idp, NS_METADATA, "SingleSignOnService").find(
    (s) => attr(s, "Binding") === BINDING_HTTP_REDIRECT,
  );
  const ssoUrl = sso ? (attr(sso, "Location") ?? "") : "";
  if (!sso) {
    throw new SamlError("malformed", "IdP metadata has no HTTP-Redirect SingleSignOnService");
  }
  if (!isAcceptableIdpUrl(ssoUrl)) {
    throw new SamlError("malformed", "The IdP SingleSignOnService Location must be an https URL");
  }
  const certificates: IdpCertificate[] = [];
  for (const kd of children(idp, NS_METADATA, "KeyDescriptor")) {
    const use = attr(kd, "use");
    if (use !== null && use !== "signing") {
      continue;
    }
    for (const c of descendants(kd, NS_DSIG, "X509Certificate")) {
      certificates.push(parseCertificate(text(c)));
    }
  }
  if (certificates.length === 0) {
    throw new SamlError("malformed", "IdP metadata has no signing certificate (KeyDescriptor)");
  }
  return { entityId, ssoUrl, certificates };
}
