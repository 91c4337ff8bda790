import { z } from "@hono/zod-openapi";
import { certificateBody, SAML_METADATA_MAX_CHARS } from "../../auth/saml-metadata";
import { ROLES } from "../../db/schema";
import { samlLoginPath, spEndpoints } from "../../services/saml-login";
import { orgParam } from "../orgs/schema";
import { iso, isoTime, uuidParam } from "../schemas";
import {
  isOidc,
  isSaml,
  oidcRedirectUri,
  type SsoProviderRow,
  ssoStartPath,
} from "../sso/providers";

/** `{org}` and `{provider_id}`. */
export const providerParams = orgParam.extend({ provider_id: uuidParam("provider_id") });

const roleSchema = z.enum(ROLES);

/** A lower-case DNS name (an email domain). */
const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "must be a domain name like example.com",
  );

/** Email domains a provider accepts (and is found by at "Sign in with SSO"). */
export const emailDomainsSchema = z
  .array(domainSchema)
  .max(50)
  .refine((d) => new Set(d).size === d.length, "must not repeat a domain")
  .openapi({ example: ["example.com"] });

/** Group → role mappings; each group at most once. */
export const roleMappingsSchema = z
  .array(
    z.object({
      group: z.string().min(1).max(256).openapi({ example: "zcp-admins" }),
      role: roleSchema,
    }),
  )
  .max(100)
  .superRefine((mappings, ctx) => {
    const seen = new Set<string>();
    mappings.forEach((m, i) => {
      if (seen.has(m.group)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "group"],
          message: `group '${m.group}' is mapped twice`,
        });
      }
      seen.add(m.group);
    });
  });

const nameSchema = z.string().trim().min(1).max(100).openapi({ example: "Okta" });
const scopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "must be an OAuth scope token");

/** OIDC settings on create (every field) or update (all optional). */
const oidcFields = {
  issuer: z.url().max(512).openapi({
    example: "https://example.okta.com",
    description: "Exactly as the IdP's discovery document states it",
  }),
  client_id: z.string().min(1).max(256).openapi({ example: "0oa1b2c3d4" }),
  client_secret: z
    .string()
    .min(1)
    .max(1024)
    .openapi({ description: "Stored sealed; never returned" }),
  scopes: z
    .array(scopeToken)
    .min(1)
    .max(20)
    .openapi({
      example: ["openid", "email", "profile", "groups"],
      description: "`openid` is always added",
    }),
  groups_claim: z.string().min(1).max(128).openapi({ example: "groups" }),
};

export const oidcCreateSchema = z
  .object({
    ...oidcFields,
    scopes: oidcFields.scopes.default(["openid", "email", "profile"]),
    groups_claim: oidcFields.groups_claim.default("groups"),
  })
  .strict()
  .openapi("OidcSettingsInput");

export const oidcUpdateSchema = z
  .object({
    issuer: oidcFields.issuer.optional(),
    client_id: oidcFields.client_id.optional(),
    client_secret: oidcFields.client_secret
      .optional()
      .openapi({ description: "Omit to keep the stored secret" }),
    scopes: oidcFields.scopes.optional(),
    groups_claim: oidcFields.groups_claim.optional(),
  })
  .strict()
  .openapi("OidcSettingsUpdate");

/** SAML IdP settings: its metadata XML, or entity id + SSO URL + signing certificate. */
export const samlInputSchema = z
  .union([
    z.object({ metadata_xml: z.string().min(1).max(SAML_METADATA_MAX_CHARS) }).strict(),
    z
      .object({
        idp_entity_id: z.string().min(1).max(1024).openapi({ example: "http://www.okta.com/exk1" }),
        sso_url: z.url().max(1024),
        certificate: z.string().min(1).max(16_384).openapi({ description: "PEM or base64 DER" }),
      })
      .strict(),
  ])
  .openapi("SamlSettingsInput");

const common = {
  name: nameSchema,
  enabled: z.boolean().default(true),
  email_domains: emailDomainsSchema.default([]),
  role_mappings: roleMappingsSchema.default([]),
  default_role: roleSchema.nullable().default(null).openapi({
    description: "Role for users none of whose groups is mapped; null = they get no access",
  }),
};

/** POST body. */
export const createProviderSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("oidc"), ...common, oidc: oidcCreateSchema }).strict(),
    z.object({ kind: z.literal("saml"), ...common, saml: samlInputSchema }).strict(),
  ])
  .openapi("CreateSsoProvider");

/** PATCH body: any subset; `oidc` only for OIDC providers, `saml` only for SAML ones. */
export const updateProviderSchema = z
  .object({
    name: nameSchema.optional(),
    enabled: z.boolean().optional(),
    email_domains: emailDomainsSchema.optional(),
    role_mappings: roleMappingsSchema.optional(),
    default_role: roleSchema.nullable().optional(),
    oidc: oidcUpdateSchema.optional(),
    saml: samlInputSchema.optional(),
  })
  .strict()
  .openapi("UpdateSsoProvider");

/** A provider as org admins see it (never the client secret). */
export const providerSchema = z
  .object({
    id: z.string().uuid(),
    kind: z.enum(["oidc", "saml"]),
    name: z.string(),
    enabled: z.boolean(),
    email_domains: z.array(z.string()),
    role_mappings: z.array(z.object({ group: z.string(), role: roleSchema })),
    default_role: roleSchema.nullable(),
    login_url: z.string().openapi({ description: "Where a browser starts signing in" }),
    oidc: z
      .object({
        issuer: z.string(),
        client_id: z.string(),
        client_secret_set: z.boolean(),
        scopes: z.array(z.string()),
        groups_claim: z.string(),
        redirect_uri: z.string().openapi({ description: "Register this at the IdP" }),
      })
      .optional(),
    saml: z
      .object({
        idp_entity_id: z.string(),
        sso_url: z.string(),
        sso_binding: z.enum(["redirect", "post"]),
        certificates: z.array(z.object({ sha256: z.string() })),
        sp_entity_id: z.string().openapi({ description: "Our entity id (the IdP's audience)" }),
        acs_url: z.string().openapi({ description: "Assertion consumer service to register" }),
        metadata_url: z.string().openapi({ description: "Our SP metadata, for the IdP" }),
      })
      .optional(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("SsoProvider");

export type ProviderView = z.infer<typeof providerSchema>;

async function fingerprint(body: string): Promise<string> {
  const der = Uint8Array.from(atob(certificateBody(body)), (ch) => ch.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return [...digest].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/** API shape of a provider; `origin` is the API's origin (for the redirect URI to register). */
export async function toProvider(
  row: SsoProviderRow,
  orgSlug: string,
  origin: string,
): Promise<ProviderView> {
  const view: ProviderView = {
    id: row.id,
    kind: row.kind,
    name: row.name,
    enabled: row.enabled,
    email_domains: row.emailDomains,
    role_mappings: row.roleMappings,
    default_role: row.defaultRole,
    login_url: isSaml(row) ? samlLoginPath(orgSlug, row.id) : ssoStartPath(orgSlug, row.id),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
  if (isOidc(row)) {
    view.oidc = {
      issuer: row.config.issuer,
      client_id: row.config.client_id,
      client_secret_set: row.clientSecretEnc !== null,
      scopes: row.config.scopes,
      groups_claim: row.config.groups_claim,
      redirect_uri: oidcRedirectUri(origin, orgSlug),
    };
  } else if (isSaml(row)) {
    const sp = spEndpoints(origin, orgSlug);
    view.saml = {
      idp_entity_id: row.config.idp_entity_id,
      sso_url: row.config.sso_url,
      sso_binding: row.config.sso_binding,
      certificates: await Promise.all(
        row.config.certificates.map(async (c) => ({ sha256: await fingerprint(c) })),
      ),
      sp_entity_id: sp.entityId,
      acs_url: sp.acsUrl,
      metadata_url: sp.metadataUrl,
    };
  }
  return view;
}

/** The audit form of a provider: its view without URLs derived from the request. */
export function auditView(view: ProviderView): Record<string, unknown> {
  const { login_url: _login, created_at: _c, updated_at: _u, ...rest } = view;
  if (rest.oidc) {
    const { redirect_uri: _r, ...oidc } = rest.oidc;
    return { ...rest, oidc };
  }
  if (rest.saml) {
    const { sp_entity_id: _e, acs_url: _a, metadata_url: _m, ...saml } = rest.saml;
    return { ...rest, saml };
  }
  return rest;
}
