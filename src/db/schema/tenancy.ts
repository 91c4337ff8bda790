import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, json, updatedAt } from "./columns";

/** Roles in ascending power; API keys carry scopes instead. */
export const ROLES = ["reader", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const orgs = sqliteTable("orgs", {
  id: id(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  /** Members sign in through the org's SSO provider; password login is refused (admins: break-glass). */
  ssoRequired: integer("sso_required", { mode: "boolean" }).notNull().default(false),
  createdAt: createdAt(),
});

export const users = sqliteTable("users", {
  id: id(),
  /** Stored lower-cased; unique. */
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  /** Self-describing password hash string (algorithm, iterations, salt, hash). */
  passwordHash: text("password_hash").notNull(),
  /** TOTP secret encrypted at rest; null until enrolment is confirmed. */
  totpSecretEnc: text("totp_secret_enc"),
  totpEnabledAt: integer("totp_enabled_at"),
  /** The last TOTP time step accepted; a code for this step or an earlier one is a replay. */
  totpLastStep: integer("totp_last_step"),
  /** SHA-256 hashes of unused recovery codes. */
  recoveryCodeHashes: json<string[]>("recovery_code_hashes").notNull().default([]),
  disabledAt: integer("disabled_at"),
  lastLoginAt: integer("last_login_at"),
  createdAt: createdAt(),
});

export const memberships = sqliteTable(
  "memberships",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ROLES }).notNull(),
    /**
     * Set when SSO provisioned the membership: that provider's group mapping then owns the role
     * (re-derived at every SSO sign-in). Null for memberships an admin created by hand.
     */
    managedByProviderId: text("managed_by_provider_id"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("memberships_org_user").on(t.orgId, t.userId),
    index("memberships_user").on(t.userId),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the session token; the token itself lives only in the cookie. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    /** Per-session CSRF token, echoed by the dashboard in X-CSRF-Token. */
    csrfToken: text("csrf_token").notNull(),
    /** True while a password-verified login still owes its TOTP code. */
    pendingTotp: integer("pending_totp", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user").on(t.userId), index("sessions_expires").on(t.expiresAt)],
);

export const projects = sqliteTable(
  "projects",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    /** Globally unique: every API path addresses projects by slug. */
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    settings: json<ProjectSettings>("settings").notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("projects_org").on(t.orgId)],
);

/** Per-project settings; every field optional with a documented default. */
export interface ProjectSettings {
  /** Distinct approvals a rollout needs before it starts (0 = none). */
  approvals_required?: number;
  /** Compiled bundles kept by GC beyond those in use. */
  bundle_retention_count?: number;
  /** Seconds a node may differ from its desired bundle before drift is reported. */
  drift_grace_seconds?: number;
  /** Re-assign the desired bundle when drift is detected. */
  drift_auto_remediate?: boolean;
  /** GitOps: repository "owner/name", branch and config path. */
  github?: { repo: string; branch?: string; path?: string; auto_rollout?: boolean };
  /** Default rollout parameters used by GitOps auto-rollouts and promotions. */
  rollout_template?: Record<string, unknown>;
}

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id),
    /** When set, the key works only for this project. */
    projectId: text("project_id").references(() => projects.id),
    name: text("name").notNull(),
    /** First characters of the key, shown in lists so people can recognise it. */
    prefix: text("prefix").notNull(),
    /** SHA-256 hex of the full key (keys are 256-bit random, so a fast hash is sufficient). */
    keyHash: text("key_hash").notNull().unique(),
    scopes: json<string[]>("scopes").notNull(),
    createdByUserId: text("created_by_user_id"),
    createdByKeyId: text("created_by_key_id"),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("api_keys_org").on(t.orgId, t.createdAt)],
);

export const enrollmentTokens = sqliteTable(
  "enrollment_tokens",
  {
    id: id(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    /** Null = unlimited. */
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [index("enrollment_tokens_project").on(t.projectId, t.createdAt)],
);

export const signingKeys = sqliteTable(
  "signing_keys",
  {
    /** Key id ("kid"), derived from the public key. */
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    alg: text("alg").notNull().default("Ed25519"),
    /** base64url of the raw 32-byte public key. */
    publicKey: text("public_key").notNull(),
    /** Private key encrypted with a key derived from ZCP_MASTER_KEY. */
    privateKeyEnc: text("private_key_enc").notNull(),
    status: text("status", { enum: ["active", "retired"] }).notNull(),
    createdAt: createdAt(),
    retiredAt: integer("retired_at"),
  },
  (t) => [
    index("signing_keys_project").on(t.projectId, t.status),
    // At most one active key per project, even when two requests create it concurrently.
    uniqueIndex("signing_keys_one_active").on(t.projectId).where(sql`status = 'active'`),
  ],
);
