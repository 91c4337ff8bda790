/**
 * SAML 2.0 service provider (Web Browser SSO profile: HTTP-Redirect AuthnRequest, HTTP-POST
 * Response). XML-DSig comes from xml-crypto (maintained, runs on workerd via nodejs_compat);
 * the SAML profile rules, allow-lists and signature-wrapping defences live in this folder.
 */

export {
  type AuthnRequestInput,
  authnRequestRedirectUrl,
  buildAuthnRequestXml,
  decodeRedirectRequest,
  newRequestId,
} from "./authn-request";
export { type IdpCertificate, parseCertificate } from "./certificate";
export { AUTHN_REQUEST_TTL_MS, CLOCK_SKEW_MS } from "./constants";
export { SamlError, type SamlFailure } from "./errors";
export {
  buildSpMetadataXml,
  type IdpMetadata,
  isAcceptableIdpUrl,
  parseIdpMetadata,
  type SpDescriptor,
} from "./metadata";
export {
  decodeSamlResponse,
  type SamlAssertion,
  type SamlValidationSettings,
  type ValidateOptions,
  validateSamlResponse,
} from "./response";
