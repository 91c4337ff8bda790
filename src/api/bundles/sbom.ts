import { createRoute, z } from "@hono/zod-openapi";
import { utf8Decode } from "../../bundles/bytes";
import { SBOM_PATH } from "../../bundles/manifest";
import { archiveEntry, prepareBundle, rebuildSbom } from "../../bundles/pipeline";
import { bundleStorageKey } from "../../db/bundles";
import type { BundleRow, Services } from "../../services";
import { ApiError, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { bundleParams, requireBundle } from "./schema";

/** The CycloneDX JSON media type. */
export const CYCLONEDX_MEDIA_TYPE = "application/vnd.cyclonedx+json; version=1.5";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/bundles/{bundle_id}/sbom",
  tags: ["Bundles"],
  summary: "The bundle's CycloneDX 1.5 SBOM (sbom.cdx.json)",
  description:
    "For compiled (and revoked) bundles, the exact sbom.cdx.json from the archive; for bundles not compiled yet, " +
    "the identical document rebuilt from the submitted config. 409 when the config does not validate.",
  security: operatorSecurity("bundles:read"),
  middleware: [requireScope("bundles:read")] as const,
  request: { params: bundleParams },
  responses: {
    200: {
      description: "CycloneDX 1.5 JSON",
      content: {
        [CYCLONEDX_MEDIA_TYPE]: {
          schema: z
            .record(z.string(), z.unknown())
            .openapi({ example: { bomFormat: "CycloneDX", specVersion: "1.5", version: 1 } }),
        },
      },
    },
    ...operatorErrors,
    410: errorResponses[410],
    409: errorResponses[409],
  },
});

async function fromArchive(services: Services, bundle: BundleRow): Promise<Uint8Array | null> {
  const key = bundle.storageKey ?? bundleStorageKey(bundle.projectId, bundle.id);
  const object = await services.bundleStore.get(key);
  if (!object) {
    return null;
  }
  return archiveEntry(new Uint8Array(await object.arrayBuffer()), SBOM_PATH);
}

async function rebuilt(bundle: BundleRow): Promise<Uint8Array> {
  const prepared = await prepareBundle(bundle.projectId, bundle.files);
  if (!prepared.ok) {
    throw new ApiError("CONFLICT", `Bundle ${bundle.id} does not validate, so it has no SBOM`, {
      details: prepared.errors.map((d) => ({ ...d, path: "config" })),
    });
  }
  return rebuildSbom(bundle.projectId, prepared);
}

/** GET /api/v1/projects/{project}/bundles/{bundle_id}/sbom */
export const registerGetBundleSbom = (app: App) =>
  app.openapi(route, async (c) => {
    const bundle = await requireBundle(c, c.req.valid("param").bundle_id);
    const shipped =
      bundle.status === "compiled" || bundle.status === "revoked"
        ? await fromArchive(c.get("services"), bundle)
        : null;
    const bytes = shipped ?? (await rebuilt(bundle));
    // Re-serialising the parsed canonical JSON gives the same bytes: SBOM keys are never
    // integer-like, so JSON.parse keeps their (sorted) order.
    const bom = JSON.parse(utf8Decode(bytes)) as Record<string, unknown>;
    return c.json(bom, 200, { "Content-Type": CYCLONEDX_MEDIA_TYPE });
  });
