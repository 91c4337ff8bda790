import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, json, updatedAt } from "./columns";
import { orgs, ROLES, type Role, users } from "./tenancy";

/** Kinds of identity provider an org can configure. */
export const SSO_KINDS = ["oidc", "saml"] as const;
export type SsoKind = (typeof SSO_KINDS)[number];

/** OIDC settings stored in `sso_providers.config` (the client secret is sealed separately). */
export interface OidcProviderConfig {
  /** Issuer URL exactly as the discovery document and ID tokens state it. */
  issuer: string;
  client_id: string;
  /** Requested scopes; always includes `openid`. */
  scopes: string[];
  /** ID-token claim holding the user's groups (string or array of strings). */
  groups_claim: string;
  /** How the client authenticates at the token endpoint (chosen from discovery at save time). */
  token_endpoint_auth: "client_secret_basic" | "client_secret_post";
}

/** SAML 2.0 IdP settings stored in `sso_providers.config`. */
export interface SamlProviderConfig {
  /** The IdP's entity id (the Issuer of its responses). */
  idp_entity_id: string;
  /** The IdP's single sign-on service URL. */
  sso_url: string;
  /** Binding of `sso_url` (the SP sends AuthnRequests with HTTP-Redirect). */
  sso_binding: "redirect" | "post";
  /** Signing certificates (PEM); any one may sign (several during a key rollover). */
  certificates: string[];
}

/** Kind-specific settings of a provider. */
export type SsoProviderConfig = OidcProviderConfig | SamlProviderConfig;

/** One IdP group (or claim value) granting an org role. */
export interface SsoRoleMapping {
  group: string;
  role: Role;
}

export const ssoProviders = sqliteTable(
  "sso_providers",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    kind: text("kind", { enum: SSO_KINDS }).notNull(),
    name: text("name").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    config: json<SsoProviderConfig>("config").notNull(),
    /** OIDC client secret sealed with ZCP_MASTER_KEY (context `zcp:sso-client-secret:<id>`). */
    clientSecretEnc: text("client_secret_enc"),
    /** Lower-case email domains this provider may sign in (and is found by); empty = any. */
    emailDomains: json<string[]>("email_domains").notNull().default([]),
    roleMappings: json<SsoRoleMapping[]>("role_mappings").notNull().default([]),
    /** Role for users none of whose groups is mapped; null = such users get no access. */
    defaultRole: text("default_role", { enum: ROLES }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("sso_providers_org_name").on(t.orgId, t.name)],
);

export const ssoIdentities = sqliteTable(
  "sso_identities",
  {
    id: id(),
    providerId: text("provider_id")
      .notNull()
      .references(() => ssoProviders.id, { onDelete: "cascade" }),
    /** The IdP's stable subject (OIDC `sub`, SAML NameID). */
    subject: text("subject").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** Email the IdP last asserted. */
    email: text("email").notNull(),
    createdAt: createdAt(),
    lastLoginAt: integer("last_login_at").notNull(),
  },
  (t) => [
    uniqueIndex("sso_identities_provider_subject").on(t.providerId, t.subject),
    index("sso_identities_user").on(t.userId),
  ],
);

export const ssoLoginStates = sqliteTable(
  "sso_login_states",
  {
    /** SHA-256 of the `state` parameter; the clear value travels only through the browser. */
    id: text("id").primaryKey(),
    providerId: text("provider_id")
      .notNull()
      .references(() => ssoProviders.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull(),
    /** SHA-256 of the browser-binding cookie set by /start (login CSRF protection). */
    browserHash: text("browser_hash").notNull(),
    nonce: text("nonce").notNull(),
    /** PKCE verifier; the IdP only ever saw its S256 challenge. */
    codeVerifier: text("code_verifier").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    /** Dashboard path to land on after sign-in (same-origin, validated at /start). */
    returnTo: text("return_to").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sso_login_states_expires").on(t.expiresAt)],
);
