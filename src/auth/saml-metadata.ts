/**
 * SAML 2.0 IdP settings checked at save time, with the SAML library's own parsers
 * (`src/auth/saml`): IdP metadata XML, or the three values given by hand (entity id, SSO URL,
 * signing certificate). Malformed metadata, a certificate that is not X.509 (or too weak, or
 * expired) and IdP URLs outside the outbound policy are refused with a message naming the
 * field, so a bad config fails when saved, not at first login.
 */
import type { SamlProviderConfig } from "../db/schema/sso";
import { outboundUrlProblem, type UrlPolicy } from "../notifications/url-guard";
import { type IdpCertificate, parseCertificate, parseIdpMetadata, SamlError } from "./saml";

/** Signing certificates kept per provider (IdPs publish two during a rollover). */
export const SAML_MAX_CERTIFICATES = 4;
/** Largest metadata document accepted (the SAML library's limit). */
export const SAML_METADATA_MAX_CHARS = 512 * 1024;

/** A bad SAML setting: the field it concerns and why. */
export class SamlConfigError extends Error {
  override name = "SamlConfigError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** What an admin may send for a SAML provider. */
export type SamlInput =
  | { metadata_xml: string }
  | { idp_entity_id: string; sso_url: string; certificate: string };

/** Base64 DER body of a PEM certificate (or of bare base64), whitespace removed. */
export function certificateBody(raw: string): string {
  return raw.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}

function checkUrl(url: string, path: string, policy: UrlPolicy): void {
  const problem = outboundUrlProblem(url, policy);
  if (problem) {
    throw new SamlConfigError(path, problem);
  }
}

function checkValidity(cert: IdpCertificate, path: string, now: number): void {
  if (cert.notAfter <= now) {
    throw new SamlConfigError(
      path,
      `certificate expired on ${new Date(cert.notAfter).toISOString()}`,
    );
  }
}

/** Runs a SAML library parser, turning its refusal into a SamlConfigError on `path`. */
function parsed<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof SamlError) {
      throw new SamlConfigError(path, err.message);
    }
    throw err;
  }
}

/** Checks SAML settings from either form and returns what is stored (PEM certificates). */
export function samlConfigFrom(
  input: SamlInput,
  policy: UrlPolicy,
  now: number,
): SamlProviderConfig {
  if ("metadata_xml" in input) {
    const path = "saml.metadata_xml";
    const md = parsed(path, () => parseIdpMetadata(input.metadata_xml));
    checkUrl(md.ssoUrl, path, policy);
    if (md.certificates.length > SAML_MAX_CERTIFICATES) {
      throw new SamlConfigError(
        path,
        `has more than ${SAML_MAX_CERTIFICATES} signing certificates`,
      );
    }
    for (const cert of md.certificates) {
      checkValidity(cert, path, now);
    }
    return {
      idp_entity_id: md.entityId,
      sso_url: md.ssoUrl,
      sso_binding: "redirect",
      certificates: [...new Set(md.certificates.map((c) => c.pem))],
    };
  }
  checkUrl(input.sso_url, "saml.sso_url", policy);
  const cert = parsed("saml.certificate", () => parseCertificate(input.certificate));
  checkValidity(cert, "saml.certificate", now);
  return {
    idp_entity_id: input.idp_entity_id,
    sso_url: input.sso_url,
    sso_binding: "redirect",
    certificates: [cert.pem],
  };
}
