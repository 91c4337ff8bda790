/**
 * Namespaces, algorithm identifiers and limits of the SAML 2.0 service provider. The algorithm
 * lists are allow-lists: anything else in a signature is refused, including SHA-1 (RSA-SHA1
 * signatures and SHA-1 digests are forgeable in practice for chosen-prefix collisions, and every
 * IdP we target signs with SHA-256 by default).
 */

/** SAML 2.0 protocol (`samlp:`). */
export const NS_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol";
/** SAML 2.0 assertion (`saml:`). */
export const NS_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion";
/** SAML 2.0 metadata (`md:`). */
export const NS_METADATA = "urn:oasis:names:tc:SAML:2.0:metadata";
/** XML-DSig (`ds:`). */
export const NS_DSIG = "http://www.w3.org/2000/09/xmldsig#";

/** HTTP-POST binding (responses to our ACS). */
export const BINDING_HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/** HTTP-Redirect binding (our AuthnRequests). */
export const BINDING_HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/** The only status that carries a usable assertion. */
export const STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";
/** Subject confirmation method of the Web Browser SSO profile. */
export const CONFIRMATION_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/** NameID format we ask for. */
export const NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/** NameID format "let the IdP choose". */
export const NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/** Signature algorithms accepted in `SignatureMethod`. */
export const ALLOWED_SIGNATURE_ALGORITHMS = [
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
] as const;
/** Digest algorithms accepted in `DigestMethod`. */
export const ALLOWED_DIGEST_ALGORITHMS = [
  "http://www.w3.org/2001/04/xmlenc#sha256",
  "http://www.w3.org/2001/04/xmlenc#sha512",
] as const;
/** Exclusive XML Canonicalization 1.0 (without comments), the only canonicalization accepted. */
export const C14N_EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#";
/** The enveloped-signature transform. */
export const TRANSFORM_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/** Transforms a Reference may list (in this order, each at most once). */
export const ALLOWED_TRANSFORMS = [TRANSFORM_ENVELOPED, C14N_EXCLUSIVE] as const;

/** Clock skew tolerated on NotBefore / NotOnOrAfter (IdP and Worker clocks differ slightly). */
export const CLOCK_SKEW_MS = 90 * 1000;
/** A SAMLResponse (decoded) larger than this is refused before parsing. */
export const MAX_RESPONSE_BYTES = 256 * 1024;
/** An IdP metadata document larger than this is refused before parsing. */
export const MAX_METADATA_BYTES = 512 * 1024;
/** How long an AuthnRequest may wait for its response. */
export const AUTHN_REQUEST_TTL_MS = 10 * 60 * 1000;
