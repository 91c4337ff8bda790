/**
 * Why a SAML message was refused. Each reason is a stable code (logged, and shown to the user as
 * part of the sign-in error) so an operator can tell a misconfigured IdP from an attack.
 */
export type SamlFailure =
  /** Not base64, not XML, a DOCTYPE, too large, or not a SAML Response. */
  | "malformed"
  /** EncryptedAssertion (not supported: we ask IdPs to sign, not encrypt). */
  | "unsupported"
  /** The IdP answered with a non-Success status. */
  | "idp_error"
  /** Neither the Response nor the Assertion carries a signature. */
  | "unsigned"
  /** A signature did not verify against any configured certificate. */
  | "bad_signature"
  /**
   * The document's structure does not match what was signed: a reference to another element,
   * several assertions, duplicate IDs, extra Signature elements (signature wrapping).
   */
  | "wrapped"
  /** A disallowed signature, digest, canonicalization or transform algorithm. */
  | "algorithm"
  /** Issuer is not the configured IdP entity id. */
  | "wrong_issuer"
  /** No AudienceRestriction names our SP entity id. */
  | "wrong_audience"
  /** Destination or SubjectConfirmationData Recipient is not our ACS URL. */
  | "wrong_recipient"
  /** InResponseTo missing or not the AuthnRequest this browser started. */
  | "wrong_in_response_to"
  /** Before NotBefore (beyond the clock skew). */
  | "not_yet_valid"
  /** At or after NotOnOrAfter (beyond the clock skew). */
  | "expired"
  /** The assertion id was already used. */
  | "replayed"
  /** No NameID, or no bearer SubjectConfirmation. */
  | "missing_subject";

/** A refused SAML message. `message` is safe to show (it never echoes the document). */
export class SamlError extends Error {
  readonly reason: SamlFailure;

  constructor(reason: SamlFailure, message: string) {
    super(message);
    this.name = "SamlError";
    this.reason = reason;
  }
}
