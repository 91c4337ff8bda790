/**
 * Save-time checks of SSO provider settings: the OIDC discovery document and JWKS are fetched
 * and checked, SAML metadata and certificates are parsed, and the role mappings may not grant
 * more than the caller holds. A failure is a 400 naming the field, before anything is stored.
 */

import { checkJwks, fetchDiscovery, OidcError, rememberDiscovery } from "../../auth/oidc";
import type { Principal } from "../../auth/principal";
import { SamlConfigError, type SamlInput, samlConfigFrom } from "../../auth/saml-metadata";
import type { OidcProviderConfig, Role, SamlProviderConfig, SsoRoleMapping } from "../../db/schema";
import type { Services } from "../../services";
import { badRequest } from "../errors";
import { assertCanManageRole } from "../orgs/accounts";
import { ssoUrlPolicy } from "../sso/providers";

/** OIDC settings as validated by the request schema (secret handled separately). */
export interface OidcSettings {
  issuer: string;
  client_id: string;
  scopes: string[];
  groups_claim: string;
}

/** Fetches and checks discovery + JWKS; returns the config to store. */
export async function checkedOidcConfig(
  services: Services,
  input: OidcSettings,
): Promise<OidcProviderConfig> {
  try {
    const discovery = await fetchDiscovery(input.issuer, ssoUrlPolicy(services));
    await checkJwks(discovery);
    rememberDiscovery(discovery, services.clock.now());
    return {
      issuer: input.issuer,
      client_id: input.client_id,
      scopes: ["openid", ...input.scopes.filter((s) => s !== "openid")],
      groups_claim: input.groups_claim,
      token_endpoint_auth: discovery.tokenEndpointAuth,
    };
  } catch (err) {
    if (err instanceof OidcError) {
      throw badRequest(`OIDC provider settings rejected: ${err.message}`, [
        { path: `oidc.${err.path}`, message: err.message },
      ]);
    }
    throw err;
  }
}

/** Parses and checks SAML settings (metadata XML or the manual triple). */
export async function checkedSamlConfig(
  services: Services,
  input: SamlInput,
): Promise<SamlProviderConfig> {
  try {
    return samlConfigFrom(input, ssoUrlPolicy(services), services.clock.now());
  } catch (err) {
    if (err instanceof SamlConfigError) {
      throw badRequest(`SAML provider settings rejected (${err.path}): ${err.message}`, [
        { path: err.path, message: err.message },
      ]);
    }
    throw err;
  }
}

/**
 * No escalation through SSO: a mapping (or the default role) grants a role to whoever the IdP
 * vouches for, so the caller must be able to grant each of those roles itself.
 */
export function assertCanMapRoles(
  principal: Principal,
  orgId: string,
  mappings: readonly SsoRoleMapping[],
  defaultRole: Role | null,
): void {
  for (const role of new Set([
    ...mappings.map((m) => m.role),
    ...(defaultRole ? [defaultRole] : []),
  ])) {
    assertCanManageRole(principal, orgId, role);
  }
}
