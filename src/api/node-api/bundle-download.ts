import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { collectedMessage } from "../../db/bundles";
import { bundles, nodeAssignments } from "../../db/schema";
import { ApiError, errorResponses, notFound } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { matchesEtag } from "./bundle-latest";
import { nodeBundleParams, nodeErrors, nodeSecurity } from "./schema";

/** Bundles are content-addressed, so a copy never goes stale (private: the route is authenticated). */
const IMMUTABLE_CACHE_CONTROL = "private, max-age=31536000, immutable";

const route = createRoute({
  method: "get",
  path: "/api/v1/nodes/{node_id}/bundles/{bundle_id}/download",
  tags: ["Node API"],
  summary: "Download a bundle archive assigned to this node",
  description:
    "Streams the tar.zst archive from storage. Only bundles that were ever assigned to this node " +
    "can be downloaded (404 otherwise); a revoked or garbage-collected bundle is 410.",
  security: nodeSecurity,
  request: { params: nodeBundleParams },
  responses: {
    200: {
      description: "The archive; ETag is the quoted checksum",
      headers: {
        ETag: { schema: { type: "string" }, description: '"<checksum>"' },
        "Cache-Control": { schema: { type: "string" }, description: IMMUTABLE_CACHE_CONTROL },
      },
      content: {
        "application/zstd": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    304: { description: 'If-None-Match carries the archive\'s "<checksum>"' },
    404: errorResponses[404],
    410: errorResponses[410],
    ...nodeErrors,
  },
});

/** GET /api/v1/nodes/{node_id}/bundles/{bundle_id}/download */
export const registerBundleDownload = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, bundleStore, logger } = c.get("services");
    const node = currentNode(c);
    const { bundle_id: bundleId } = c.req.valid("param");
    const [bundle] = await db
      .select({
        status: bundles.status,
        checksum: bundles.checksum,
        sizeBytes: bundles.sizeBytes,
        storageKey: bundles.storageKey,
        deletedAt: bundles.deletedAt,
        gcReason: bundles.gcReason,
      })
      .from(nodeAssignments)
      .innerJoin(
        bundles,
        and(eq(bundles.id, nodeAssignments.bundleId), eq(bundles.projectId, node.projectId)),
      )
      .where(and(eq(nodeAssignments.nodeId, node.id), eq(nodeAssignments.bundleId, bundleId)))
      .limit(1);
    if (!bundle) {
      throw notFound("Bundle assigned to this node");
    }
    if (bundle.status === "revoked") {
      throw new ApiError("GONE", "Bundle has been revoked");
    }
    const collected = collectedMessage({ id: bundleId, ...bundle });
    if (collected !== null) {
      throw new ApiError("GONE", collected);
    }
    if (bundle.status !== "compiled" || bundle.storageKey === null || bundle.checksum === null) {
      throw notFound("Compiled bundle");
    }
    const etag = `"${bundle.checksum}"`;
    c.header("ETag", etag);
    c.header("Cache-Control", IMMUTABLE_CACHE_CONTROL);
    if (matchesEtag(c.req.header("if-none-match"), bundle.checksum)) {
      return c.body(null, 304);
    }
    const object = await bundleStore.get(bundle.storageKey);
    if (!object) {
      logger.error("bundle archive missing from storage", {
        bundle_id: bundleId,
        storage_key: bundle.storageKey,
      });
      throw new ApiError("INTERNAL", "Bundle archive is missing from storage");
    }
    c.header("Content-Type", "application/zstd");
    c.header("Content-Length", String(object.size));
    c.header("Content-Disposition", `attachment; filename="${bundleId}.tar.zst"`);
    return c.body(object.body, 200);
  });
