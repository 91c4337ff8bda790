import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, json } from "./columns";
import { projects } from "./tenancy";

export const BUNDLE_STATUSES = ["pending", "compiling", "compiled", "failed", "revoked"] as const;
export type BundleStatus = (typeof BUNDLE_STATUSES)[number];
export const RISK_LEVELS = ["low", "medium", "high"] as const;

export const bundles = sqliteTable(
  "bundles",
  {
    /** The content digest: lowercase hex SHA-256 of manifest.json (see docs/bundle-format). */
    id: text("id").primaryKey(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id),
    /** Per-project counter, increasing with every new bundle. */
    sequence: integer("sequence").notNull(),
    version: text("version").notNull(),
    status: text("status", { enum: BUNDLE_STATUSES }).notNull(),
    /** Submitted config: entry path → content (the entry is "zentinel.kdl"). */
    files: json<Record<string, string>>("files").notNull(),
    sourceType: text("source_type", { enum: ["api", "git", "ui", "model"] })
      .notNull()
      .default("api"),
    sourceRef: text("source_ref"),
    checksum: text("checksum"),
    sizeBytes: integer("size_bytes"),
    signature: text("signature"),
    signingKeyId: text("signing_key_id"),
    manifest: json<Record<string, unknown>>("manifest"),
    risk: text("risk", { enum: RISK_LEVELS }),
    riskReasons: json<string[]>("risk_reasons").notNull().default([]),
    compilerOutput: text("compiler_output"),
    /** Validator warnings and errors with line/column, as JSON. */
    diagnostics: json<unknown[]>("diagnostics").notNull().default([]),
    storageKey: text("storage_key"),
    compileAttempts: integer("compile_attempts").notNull().default(0),
    compileDurationMs: integer("compile_duration_ms"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    compiledAt: integer("compiled_at"),
    revokedAt: integer("revoked_at"),
    /**
     * Garbage-collected (soft-deleted) at this time; the row stays as a tombstone so the API
     * answers 410 with `gcReason`, and is removed 30 days later (see jobs/tasks/gc.ts).
     */
    deletedAt: integer("deleted_at"),
    /**
     * The last time this content was submitted (created, resubmitted or sent again while it
     * existed). GC's grace period counts from here, so content just sent is never collected.
     * Null only for rows written before migration 0006 (then `createdAt` stands in).
     */
    lastSubmittedAt: integer("last_submitted_at"),
    /** Why GC collected the bundle (set with `deletedAt`). */
    gcReason: text("gc_reason"),
  },
  (t) => [
    uniqueIndex("bundles_project_sequence").on(t.projectId, t.sequence),
    index("bundles_project_created").on(t.projectId, t.createdAt),
    index("bundles_project_status").on(t.projectId, t.status),
    index("bundles_deleted").on(t.deletedAt),
  ],
);
