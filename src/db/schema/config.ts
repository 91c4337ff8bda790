import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { createdAt, id, json, updatedAt } from "./columns";
import { projects } from "./tenancy";

/**
 * Kinds of config-model entity stored as a typed JSON spec in `config_entities`. Certificates and
 * secrets carry sealed material and have their own tables. References between entities are by
 * name (the name is the KDL id the generator emits), so a name never changes after creation.
 */
export const CONFIG_ENTITY_KINDS = [
  "upstream_group",
  "service",
  "listener",
  "middleware",
  "plugin",
  "auth_policy",
  "waf_policy",
  "system",
] as const;
export type ConfigEntityKind = (typeof CONFIG_ENTITY_KINDS)[number];

export const configEntities = sqliteTable(
  "config_entities",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    kind: text("kind", { enum: CONFIG_ENTITY_KINDS }).notNull(),
    name: text("name").notNull(),
    /** The kind's spec (validated by its zod schema in src/domain/config/specs.ts). */
    spec: json<Record<string, unknown>>("spec").notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("config_entities_project_kind_name").on(t.projectId, t.kind, t.name)],
);

export const configCertificates = sqliteTable(
  "config_certificates",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    name: text("name").notNull(),
    certPem: text("cert_pem").notNull(),
    chainPem: text("chain_pem"),
    /** The private key, sealed like signing keys (never returned, never in a bundle). */
    sealedKey: text("sealed_key").notNull(),
    subject: text("subject").notNull(),
    issuer: text("issuer").notNull(),
    sans: json<string[]>("sans").notNull(),
    serial: text("serial").notNull(),
    fingerprintSha256: text("fingerprint_sha256").notNull(),
    keyAlgorithm: text("key_algorithm").notNull(),
    notBefore: integer("not_before").notNull(),
    notAfter: integer("not_after").notNull(),
    /** Bumped on every replacement; feeds the bundle's secret-version digest. */
    version: integer("version").notNull(),
    /** Smallest expiry threshold (days) already warned about for this version, or null. */
    expiryWarnedDays: integer("expiry_warned_days"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("config_certificates_project_name").on(t.projectId, t.name),
    index("config_certificates_not_after").on(t.notAfter),
  ],
);

export const configSecrets = sqliteTable(
  "config_secrets",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    name: text("name").notNull(),
    description: text("description"),
    /** The value, sealed (AES-256-GCM under a key derived from ZCP_MASTER_KEY). */
    sealedValue: text("sealed_value").notNull(),
    /** Bumped on every rotation; only this number (never the value) reaches a bundle. */
    version: integer("version").notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("config_secrets_project_name").on(t.projectId, t.name)],
);

/** What a model-compiled bundle references: the node secrets route serves exactly these. */
export const SECRET_REF_KINDS = ["secret", "certificate"] as const;
export type SecretRefKind = (typeof SECRET_REF_KINDS)[number];

export const bundleSecretRefs = sqliteTable(
  "bundle_secret_refs",
  {
    bundleId: text("bundle_id").notNull(),
    projectId: text("project_id").notNull(),
    kind: text("kind", { enum: SECRET_REF_KINDS }).notNull(),
    name: text("name").notNull(),
  },
  (t) => [primaryKey({ columns: [t.bundleId, t.kind, t.name] })],
);
