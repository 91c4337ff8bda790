import { createRoute, z } from "@hono/zod-openapi";
import { bundleStorageKey } from "../../db/bundles";
import { ApiError, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { bundleParams, requireBundle } from "./schema";

/** Media type of bundle archives (zstd-compressed ustar). */
export const BUNDLE_MEDIA_TYPE = "application/zstd";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/bundles/{bundle_id}/download",
  tags: ["Bundles"],
  summary: "Download the signed archive (tar.zst)",
  description:
    "The bytes nodes receive. `ETag` is the archive's SHA-256 (`checksum`). Verify with the project's public keys " +
    "(GET …/signing-keys) as described in the bundle format.",
  security: operatorSecurity("bundles:read"),
  middleware: [requireScope("bundles:read")] as const,
  request: { params: bundleParams },
  responses: {
    200: {
      description: "Archive bytes",
      content: { [BUNDLE_MEDIA_TYPE]: { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...operatorErrors,
    409: errorResponses[409],
    410: errorResponses[410],
  },
});

/** GET /api/v1/projects/{project}/bundles/{bundle_id}/download: streamed from R2. */
export const registerDownloadBundle = (app: App) =>
  app.openapi(route, async (c) => {
    const bundle = await requireBundle(c, c.req.valid("param").bundle_id);
    if (bundle.status === "revoked") {
      throw new ApiError("GONE", `Bundle ${bundle.id} was revoked and cannot be downloaded`);
    }
    if (bundle.status !== "compiled" || bundle.checksum === null) {
      throw new ApiError("CONFLICT", `Bundle ${bundle.id} is ${bundle.status}, not compiled`, {
        details: [{ path: "status", message: `is ${bundle.status}; wait for compiled` }],
      });
    }
    const key = bundle.storageKey ?? bundleStorageKey(bundle.projectId, bundle.id);
    const object = await c.get("services").bundleStore.get(key);
    if (!object) {
      throw new Error(`archive of compiled bundle ${bundle.id} is missing from R2 (${key})`);
    }
    return c.body(object.body, 200, {
      "content-type": BUNDLE_MEDIA_TYPE,
      "content-length": String(object.size),
      etag: `"${bundle.checksum}"`,
      "content-disposition": `attachment; filename="${bundle.id}.tar.zst"`,
      // Revalidate every time: the bytes never change, but a revoked bundle must stop being served.
      "cache-control": "private, no-cache",
    });
  });
