/**
 * SSO provider storage shared by the provider routes, the OIDC sign-in routes and the SAML
 * service provider: loading a provider of an org, the sealed OIDC client secret, the outbound
 * URL policy for IdP endpoints and the provider's public sign-in URL.
 */
import { and, eq } from "drizzle-orm";
import { type OidcProviderConfig, type SamlProviderConfig, ssoProviders } from "../../db/schema";
import { openText, sealText } from "../../notifications/sealed";
import type { UrlPolicy } from "../../notifications/url-guard";
import type { Services } from "../../services";
import { notFound } from "../errors";

/** An sso_providers row. */
export type SsoProviderRow = typeof ssoProviders.$inferSelect;
/** An OIDC provider row (config narrowed). */
export type OidcProviderRow = SsoProviderRow & { kind: "oidc"; config: OidcProviderConfig };
/** A SAML provider row (config narrowed). */
export type SamlProviderRow = SsoProviderRow & { kind: "saml"; config: SamlProviderConfig };

/** Providers one org may have (sign-in pages list them; a handful is the real-world maximum). */
export const MAX_SSO_PROVIDERS_PER_ORG = 20;

/** Whether the row is an OIDC provider. */
export function isOidc(row: SsoProviderRow): row is OidcProviderRow {
  return row.kind === "oidc";
}

/** Whether the row is a SAML provider. */
export function isSaml(row: SsoProviderRow): row is SamlProviderRow {
  return row.kind === "saml";
}

/** Outbound URL policy for IdP endpoints: public https, plus loopback when configured (dev). */
export function ssoUrlPolicy(services: Pick<Services, "config">): UrlPolicy {
  return { allowLoopback: services.config.SSO_ALLOW_LOCAL_URLS };
}

/** Encryption context of a provider's client secret: a sealed value copied elsewhere won't open. */
function secretContext(providerId: string): string {
  return `zcp:sso-client-secret:${providerId}`;
}

/** Seals an OIDC client secret for `sso_providers.client_secret_enc`. */
export function sealClientSecret(
  services: Pick<Services, "config">,
  providerId: string,
  secret: string,
): Promise<string> {
  return sealText(services.config.ZCP_MASTER_KEY, secretContext(providerId), secret);
}

/** Opens a provider's OIDC client secret. */
export function openClientSecret(
  services: Pick<Services, "config">,
  row: SsoProviderRow,
): Promise<string> {
  if (row.clientSecretEnc === null) {
    throw new Error(`SSO provider ${row.id} has no client secret`);
  }
  return openText(services.config.ZCP_MASTER_KEY, secretContext(row.id), row.clientSecretEnc);
}

/** A provider of `orgId` by id; 404 when it does not exist there (other orgs' included). */
export async function loadProvider(
  services: Pick<Services, "db">,
  orgId: string,
  providerId: string,
): Promise<SsoProviderRow> {
  const row = await services.db.query.ssoProviders.findFirst({
    where: and(eq(ssoProviders.orgId, orgId), eq(ssoProviders.id, providerId)),
  });
  if (!row) {
    throw notFound("SSO provider");
  }
  return row;
}

/** Every provider of an org, oldest first. */
export function listProviders(
  services: Pick<Services, "db">,
  orgId: string,
): Promise<SsoProviderRow[]> {
  return services.db.query.ssoProviders.findMany({
    where: eq(ssoProviders.orgId, orgId),
    orderBy: (p, { asc }) => [asc(p.createdAt), asc(p.id)],
  });
}

/** Path where a browser starts signing in with a provider. */
export function ssoStartPath(orgSlug: string, providerId: string): string {
  return `/api/v1/auth/sso/${encodeURIComponent(orgSlug)}/start?provider=${providerId}`;
}

/** OIDC redirect URI to register at the IdP (absolute, on the origin serving the API). */
export function oidcRedirectUri(origin: string, orgSlug: string): string {
  return `${origin}/api/v1/auth/sso/${encodeURIComponent(orgSlug)}/callback`;
}

/**
 * Guard, as a SQL condition on the provider row being disabled or deleted: allowed unless its
 * org requires SSO and no other enabled provider remains. Evaluated inside the one UPDATE or
 * DELETE, so two admins disabling the last two providers concurrently cannot both succeed.
 */
export const KEEPS_AN_SSO_PROVIDER_SQL = `(
  (SELECT sso_required FROM orgs WHERE orgs.id = sso_providers.org_id) = 0
  OR (SELECT COUNT(*) FROM sso_providers p2 WHERE p2.org_id = sso_providers.org_id
      AND p2.enabled = 1 AND p2.id <> sso_providers.id) > 0)`;
