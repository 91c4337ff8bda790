/**
 * Validation of a SAML 2.0 `<samlp:Response>` received at our ACS (HTTP-POST binding, Web
 * Browser SSO profile). Pure: time and configuration are parameters; storage (the AuthnRequest
 * this browser started, assertion-id replay) belongs to the caller, which gets `replayUntil`.
 *
 * Defence against XML signature wrapping: exactly one Assertion may exist anywhere in the
 * document, directly under the Response; Signatures may only sit directly in the Response or in
 * that Assertion; every ID is unique; and every value read comes from the element re-parsed
 * from the bytes the signature covered (see `signature.ts`), never from the received tree.
 *
 * IdP-initiated (unsolicited) responses are refused: every accepted assertion answers an
 * AuthnRequest that this browser started, which is what stops login CSRF and assertion
 * injection.
 */
import { fromBase64 } from "../crypto";
import {
  CLOCK_SKEW_MS,
  CONFIRMATION_BEARER,
  MAX_RESPONSE_BYTES,
  NS_ASSERTION,
  NS_DSIG,
  NS_PROTOCOL,
  STATUS_SUCCESS,
} from "./constants";
import { SamlError } from "./errors";
import { signatureOf, verifyEnvelopedSignature } from "./signature";
import {
  allElements,
  attr,
  children,
  descendants,
  optionalChild,
  parseXmlStrict,
  text,
} from "./xml";

/** What the validator needs to know about us and the IdP. */
export interface SamlValidationSettings {
  /** Our SP entity id (must appear in AudienceRestriction). */
  spEntityId: string;
  /** Our ACS URL (Destination, SubjectConfirmationData Recipient). */
  acsUrl: string;
  /** The IdP entity id (Issuer). */
  idpEntityId: string;
  /** PEM certificates whose keys may sign (several during a key rollover). */
  idpCertificatesPem: readonly string[];
}

/** A verified assertion: who signed in, and how long its id must be remembered. */
export interface SamlAssertion {
  assertionId: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  sessionIndex: string | null;
  /** Attribute name → values, from the signed AttributeStatements. */
  attributes: Record<string, string[]>;
  inResponseTo: string;
  /** Epoch ms until which a replay of `assertionId` must be refused. */
  replayUntil: number;
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an xs:dateTime with an explicit zone; a missing or odd value is `malformed`. */
export function parseInstant(value: string, what: string): number {
  const ms = ISO_DATETIME.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new SamlError("malformed", `${what} is not a valid date-time`);
  }
  return ms;
}

function optionalInstant(el: Element, name: string): number | null {
  const v = attr(el, name);
  return v === null ? null : parseInstant(v, `${el.localName} ${name}`);
}

/** Decodes the base64 `SAMLResponse` form field (line breaks allowed) to XML text. */
export function decodeSamlResponse(field: string): string {
  const compact = field.replace(/[\r\n\t ]/g, "");
  if (compact.length === 0 || compact.length > Math.ceil((MAX_RESPONSE_BYTES * 4) / 3) + 4) {
    throw new SamlError("malformed", "SAMLResponse is empty or too large");
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new SamlError("malformed", "SAMLResponse is not base64");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(fromBase64(compact));
  } catch {
    throw new SamlError("malformed", "SAMLResponse is not UTF-8 XML");
  }
}

function checkStatus(root: Element): void {
  const status = optionalChild(root, NS_PROTOCOL, "Status");
  const code = status ? optionalChild(status, NS_PROTOCOL, "StatusCode") : null;
  const value = code ? attr(code, "Value") : null;
  if (value !== STATUS_SUCCESS) {
    const sub = code ? optionalChild(code, NS_PROTOCOL, "StatusCode") : null;
    const detail = [value, sub ? attr(sub, "Value") : null].filter(Boolean).join(" / ");
    throw new SamlError("idp_error", `The IdP refused the sign-in (${detail || "no status"})`);
  }
}

/** Structure checks on the received tree that defeat wrapping before any signature work. */
function checkStructure(doc: Document, root: Element): Element {
  if (descendants(doc, NS_ASSERTION, "EncryptedAssertion").length > 0) {
    throw new SamlError("unsupported", "Encrypted assertions are not supported; sign instead");
  }
  const ids = new Set<string>();
  for (const el of allElements(root)) {
    for (const a of Array.from(el.attributes)) {
      if (a.localName === "ID" || a.localName === "Id" || a.localName === "id") {
        if (ids.has(a.value)) {
          throw new SamlError("wrapped", "Two elements share the same ID");
        }
        ids.add(a.value);
      }
    }
  }
  const assertions = descendants(doc, NS_ASSERTION, "Assertion");
  if (assertions.length === 0) {
    throw new SamlError("malformed", "The response has no assertion");
  }
  const assertion = assertions[0];
  if (assertions.length > 1 || !assertion || assertion.parentNode !== root) {
    throw new SamlError("wrapped", "The response must contain exactly one assertion, at its top");
  }
  for (const sig of descendants(doc, NS_DSIG, "Signature")) {
    if (sig.parentNode !== root && sig.parentNode !== assertion) {
      throw new SamlError("wrapped", "A signature sits outside the Response and the Assertion");
    }
  }
  return assertion;
}

function checkIssuer(el: Element, idpEntityId: string, required: boolean): string | null {
  const issuer = optionalChild(el, NS_ASSERTION, "Issuer");
  if (!issuer) {
    if (required) {
      throw new SamlError("wrong_issuer", `The ${el.localName} has no Issuer`);
    }
    return null;
  }
  const value = text(issuer);
  if (value !== idpEntityId) {
    throw new SamlError(
      "wrong_issuer",
      `Issuer "${value.slice(0, 200)}" is not the configured IdP`,
    );
  }
  return value;
}

function checkWindow(el: Element, now: number, skewMs: number): number | null {
  const notBefore = optionalInstant(el, "NotBefore");
  const notOnOrAfter = optionalInstant(el, "NotOnOrAfter");
  if (notBefore !== null && now + skewMs < notBefore) {
    throw new SamlError("not_yet_valid", `The ${el.localName} is not valid yet`);
  }
  if (notOnOrAfter !== null && now - skewMs >= notOnOrAfter) {
    throw new SamlError("expired", `The ${el.localName} has expired`);
  }
  return notOnOrAfter;
}

/** Finds a bearer confirmation that satisfies every rule; returns its NotOnOrAfter. */
function checkSubjectConfirmation(
  subject: Element,
  settings: SamlValidationSettings,
  expectedRequestId: string,
  now: number,
  skewMs: number,
): number {
  const bearers = children(subject, NS_ASSERTION, "SubjectConfirmation").filter(
    (c) => attr(c, "Method") === CONFIRMATION_BEARER,
  );
  if (bearers.length === 0) {
    throw new SamlError("missing_subject", "The assertion has no bearer SubjectConfirmation");
  }
  let firstError: SamlError | null = null;
  for (const bearer of bearers) {
    try {
      const data = optionalChild(bearer, NS_ASSERTION, "SubjectConfirmationData");
      if (!data) {
        throw new SamlError("missing_subject", "SubjectConfirmationData is missing");
      }
      if (attr(data, "Recipient") !== settings.acsUrl) {
        throw new SamlError("wrong_recipient", "The assertion is for another recipient");
      }
      checkInResponseTo(attr(data, "InResponseTo"), expectedRequestId);
      if (attr(data, "NotOnOrAfter") === null) {
        throw new SamlError("malformed", "SubjectConfirmationData has no NotOnOrAfter");
      }
      const until = checkWindow(data, now, skewMs);
      if (until === null) {
        throw new SamlError("malformed", "SubjectConfirmationData has no NotOnOrAfter");
      }
      return until;
    } catch (err) {
      if (!(err instanceof SamlError)) {
        throw err;
      }
      firstError ??= err;
    }
  }
  throw firstError ?? new SamlError("missing_subject", "No usable SubjectConfirmation");
}

function checkInResponseTo(value: string | null, expectedRequestId: string): void {
  if (value === null) {
    throw new SamlError(
      "wrong_in_response_to",
      "Unsolicited (IdP-initiated) responses are not accepted; start sign-in from the control plane",
    );
  }
  if (value !== expectedRequestId) {
    throw new SamlError("wrong_in_response_to", "The response answers another sign-in request");
  }
}

function checkConditions(assertion: Element, spEntityId: string, now: number, skew: number) {
  const conditions = optionalChild(assertion, NS_ASSERTION, "Conditions");
  if (!conditions) {
    throw new SamlError("wrong_audience", "The assertion has no Conditions / AudienceRestriction");
  }
  const until = checkWindow(conditions, now, skew);
  const restrictions = children(conditions, NS_ASSERTION, "AudienceRestriction");
  if (restrictions.length === 0) {
    throw new SamlError("wrong_audience", "The assertion has no AudienceRestriction");
  }
  // Each AudienceRestriction must be satisfied on its own (SAML core 2.5.1.4).
  for (const r of restrictions) {
    if (!children(r, NS_ASSERTION, "Audience").some((a) => text(a) === spEntityId)) {
      throw new SamlError("wrong_audience", "The assertion is meant for another service provider");
    }
  }
  return until;
}

function readAttributes(assertion: Element): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const statement of children(assertion, NS_ASSERTION, "AttributeStatement")) {
    for (const a of children(statement, NS_ASSERTION, "Attribute")) {
      const name = attr(a, "Name");
      if (!name) {
        continue;
      }
      const values = children(a, NS_ASSERTION, "AttributeValue").map(text);
      out[name] = [...(out[name] ?? []), ...values.filter((v) => v.length > 0)];
    }
  }
  return out;
}

/** Options for `validateSamlResponse`. */
export interface ValidateOptions {
  /** ID of the AuthnRequest this browser started (from its binding cookie). */
  expectedRequestId: string;
  /** Epoch ms. */
  now: number;
  clockSkewMs?: number;
}

/**
 * Validates a decoded SAML Response and returns the verified assertion, or throws `SamlError`.
 * Replay of `assertionId` is the caller's to refuse (it owns the storage).
 */
export function validateSamlResponse(
  xml: string,
  settings: SamlValidationSettings,
  opts: ValidateOptions,
): SamlAssertion {
  const skew = opts.clockSkewMs ?? CLOCK_SKEW_MS;
  const { now } = opts;
  if (xml.length > MAX_RESPONSE_BYTES) {
    throw new SamlError("malformed", "SAMLResponse is too large");
  }
  const doc = parseXmlStrict(xml, "SAMLResponse");
  const root = doc.documentElement;
  if (!root || root.namespaceURI !== NS_PROTOCOL || root.localName !== "Response") {
    throw new SamlError("malformed", "The message is not a SAML Response");
  }
  if (attr(root, "Version") !== "2.0") {
    throw new SamlError("malformed", "Only SAML 2.0 responses are accepted");
  }
  checkStatus(root);
  const received = checkStructure(doc, root);

  const responseSig = signatureOf(root);
  const assertionSig = signatureOf(received);
  if (!responseSig && !assertionSig) {
    throw new SamlError("unsigned", "Neither the response nor the assertion is signed");
  }
  const certs = settings.idpCertificatesPem;
  const signedResponse = responseSig
    ? verifyEnvelopedSignature(xml, root, responseSig, certs)
    : null;
  const signedAssertion = assertionSig
    ? verifyEnvelopedSignature(xml, received, assertionSig, certs)
    : null;
  let assertion = signedAssertion;
  if (!assertion && signedResponse) {
    const inner = children(signedResponse, NS_ASSERTION, "Assertion");
    if (inner.length !== 1 || !inner[0]) {
      throw new SamlError("wrapped", "The signed response must contain exactly one assertion");
    }
    assertion = inner[0];
  }
  if (!assertion) {
    throw new SamlError("unsigned", "The assertion is not covered by a signature");
  }

  // Response-level fields: authoritative when the Response is signed; when only the Assertion
  // is, they are unsigned and only checked for consistency (the signed SubjectConfirmationData
  // carries the same facts).
  const response = signedResponse ?? root;
  checkIssuer(response, settings.idpEntityId, false);
  const destination = attr(response, "Destination");
  if (destination !== null ? destination !== settings.acsUrl : signedResponse !== null) {
    throw new SamlError("wrong_recipient", "The response is addressed to another destination");
  }
  const responseInResponseTo = attr(response, "InResponseTo");
  if (responseInResponseTo !== null) {
    checkInResponseTo(responseInResponseTo, opts.expectedRequestId);
  }

  if (attr(assertion, "Version") !== "2.0") {
    throw new SamlError("malformed", "Only SAML 2.0 assertions are accepted");
  }
  const assertionId = attr(assertion, "ID");
  if (!assertionId) {
    throw new SamlError("malformed", "The assertion has no ID");
  }
  const issuer = checkIssuer(assertion, settings.idpEntityId, true) ?? settings.idpEntityId;
  const subject = optionalChild(assertion, NS_ASSERTION, "Subject");
  const nameIdEl = subject ? optionalChild(subject, NS_ASSERTION, "NameID") : null;
  const nameId = text(nameIdEl);
  if (!subject || !nameIdEl || nameId.length === 0) {
    throw new SamlError("missing_subject", "The assertion has no NameID");
  }
  const confirmedUntil = checkSubjectConfirmation(
    subject,
    settings,
    opts.expectedRequestId,
    now,
    skew,
  );
  const conditionsUntil = checkConditions(assertion, settings.spEntityId, now, skew);
  const authn = children(assertion, NS_ASSERTION, "AuthnStatement");
  if (authn.length === 0) {
    throw new SamlError("malformed", "The assertion has no AuthnStatement");
  }
  for (const statement of authn) {
    const sessionEnd = optionalInstant(statement, "SessionNotOnOrAfter");
    if (sessionEnd !== null && now - skew >= sessionEnd) {
      throw new SamlError("expired", "The IdP session has ended");
    }
  }
  const firstAuthn = authn[0];
  return {
    assertionId,
    issuer,
    nameId,
    nameIdFormat: attr(nameIdEl, "Format"),
    sessionIndex: firstAuthn ? attr(firstAuthn, "SessionIndex") : null,
    attributes: readAttributes(assertion),
    inResponseTo: opts.expectedRequestId,
    // After the earlier of the two bounds the assertion is refused as expired anyway.
    replayUntil: Math.min(confirmedUntil, conditionsUntil ?? Number.POSITIVE_INFINITY) + skew,
  };
}
