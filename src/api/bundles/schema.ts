import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { collectedMessage, findBundle } from "../../db/bundles";
import { BUNDLE_STATUSES, RISK_LEVELS } from "../../db/schema";
import type { BundleRow } from "../../services";
import { ApiError, notFound } from "../errors";
import type { AppEnv } from "../hono";
import { iso, isoTime, projectParam } from "../schemas";
import { currentProject } from "../tenant";

const BUNDLE_ID_EXAMPLE = "9f2c4e0b7a1d3c5e8f6a2b4d6c8e0f1a3b5d7c9e1f2a4b6c8d0e2f4a6b8c0d1e";

/** A bundle id: the lowercase hex SHA-256 of its manifest.json. */
export const bundleIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (a bundle digest)")
  .openapi({ example: BUNDLE_ID_EXAMPLE });

/** Path parameters `{project}` and `{bundle_id}`. */
export const bundleParams = projectParam.extend({
  bundle_id: bundleIdSchema.openapi({ param: { name: "bundle_id", in: "path" } }),
});

/** A validator finding with its position (1-based line and column). */
export const diagnosticSchema = z
  .object({
    file: z.string().openapi({ example: "zentinel.kdl" }),
    line: z.number().int().openapi({ example: 12 }),
    column: z.number().int().openapi({ example: 5 }),
    message: z.string().openapi({ example: "Got unknown key timeout-ms" }),
    rule: z.string().optional().openapi({ example: "unknown-key" }),
    detail: z.string().optional(),
  })
  .openapi("ConfigDiagnostic");

const fields = {
  bundle_id: bundleIdSchema,
  project_id: z.string().uuid(),
  sequence: z.number().int().openapi({ example: 7 }),
  version: z.string().openapi({ example: "v7" }),
  status: z.enum(BUNDLE_STATUSES).openapi({ example: "compiled" }),
  source: z.object({
    type: z.enum(["api", "git", "ui", "model"]),
    ref: z.string().nullable().openapi({ example: "main@4f2a9c1" }),
  }),
  checksum: z
    .string()
    .nullable()
    .openapi({ description: "Hex SHA-256 of the archive bytes", example: BUNDLE_ID_EXAMPLE }),
  size_bytes: z.number().int().nullable().openapi({ example: 2048 }),
  signature: z
    .string()
    .nullable()
    .openapi({ description: "Base64 Ed25519 signature of manifest.json" }),
  signing_key_id: z.string().nullable().openapi({ example: "zk_3q2b7x9d" }),
  risk: z.enum(RISK_LEVELS).nullable().openapi({ example: "high" }),
  risk_reasons: z
    .array(z.string())
    .openapi({ example: ["route 'api' lost its auth policy", "upstream 'legacy' removed"] }),
  created_at: isoTime,
  created_by: z
    .string()
    .nullable()
    .openapi({ example: "api_key:7c1e8a4e-2f3b-4b8e-9d61-0a7f0d2c5e11" }),
  compiled_at: isoTime.nullable(),
  revoked_at: isoTime.nullable(),
  compile_attempts: z.number().int(),
  compile_duration_ms: z.number().int().nullable().openapi({ example: 180 }),
};

/** A bundle in lists (no manifest, compiler output or diagnostics). */
export const bundleSummarySchema = z.object(fields).openapi("BundleSummary");

/** One bundle with everything the control plane knows about it. */
export const bundleSchema = z
  .object({
    ...fields,
    manifest: z.record(z.string(), z.unknown()).nullable(),
    compiler_output: z.string().nullable(),
    diagnostics: z.array(diagnosticSchema),
  })
  .openapi("Bundle");

/** A bundle as listed. */
export type BundleSummary = z.infer<typeof bundleSummarySchema>;
/** A bundle as shown by GET …/bundles/{bundle_id}. */
export type BundleResponse = z.infer<typeof bundleSchema>;

/** API shape of a bundle row in lists. */
export function toBundleSummary(b: BundleRow): BundleSummary {
  return {
    bundle_id: b.id,
    project_id: b.projectId,
    sequence: b.sequence,
    version: b.version,
    status: b.status,
    source: { type: b.sourceType, ref: b.sourceRef },
    checksum: b.checksum,
    size_bytes: b.sizeBytes,
    signature: b.signature,
    signing_key_id: b.signingKeyId,
    risk: b.risk,
    risk_reasons: [...b.riskReasons],
    created_at: iso(b.createdAt),
    created_by: b.createdBy,
    compiled_at: iso(b.compiledAt),
    revoked_at: iso(b.revokedAt),
    compile_attempts: b.compileAttempts,
    compile_duration_ms: b.compileDurationMs,
  };
}

/** API shape of one bundle. */
export function toBundle(b: BundleRow): BundleResponse {
  return {
    ...toBundleSummary(b),
    manifest: b.manifest ?? null,
    compiler_output: b.compilerOutput,
    diagnostics: b.diagnostics as BundleResponse["diagnostics"],
  };
}

/**
 * The bundle `{bundle_id}` of the request's project. A garbage-collected bundle is 410 `GONE`
 * with when and why, for as long as its tombstone is kept (30 days); unknown bundles and
 * bundles of other projects are 404.
 */
export async function requireBundle(c: Context<AppEnv>, bundleId: string): Promise<BundleRow> {
  const project = currentProject(c);
  const bundle = await findBundle(c.get("services").db, project.id, bundleId);
  if (!bundle) {
    throw notFound(`Bundle ${bundleId}`);
  }
  const collected = collectedMessage(bundle);
  if (collected !== null) {
    throw new ApiError("GONE", collected, {
      details: [{ path: "bundle_id", message: bundle.gcReason ?? "garbage-collected" }],
    });
  }
  return bundle;
}
