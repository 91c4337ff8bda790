import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { bundles } from "../../db/schema";
import { jitterSeconds } from "../../domain/jitter";
import { offerFor } from "../../services/bundle-offer";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { EXAMPLE_BUNDLE_ID, nodeErrors, nodeIdParam, nodeSecurity } from "./schema";

const offer = z
  .object({
    bundle_id: z.string().openapi({ example: EXAMPLE_BUNDLE_ID }),
    version: z.string().openapi({ example: "2026.11.22-1" }),
    sequence: z.number().int().openapi({ example: 42 }),
    checksum: z.string().openapi({
      description: "lowercase hex SHA-256 of the archive bytes",
      example: "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
    }),
    size_bytes: z.number().int().openapi({ example: 18231 }),
    download_url: z
      .string()
      .url()
      .openapi({
        example: `https://cp.example.com/api/v1/nodes/5f0c6a8e-9a51-4c1e-8c1e-2b7f3f6d9a10/bundles/${EXAMPLE_BUNDLE_ID}/download`,
      }),
    signature: z.string().openapi({
      description: "base64 Ed25519 signature of manifest.json by signing_key_id",
      example: "k3Jv…",
    }),
    signing_key_id: z.string().openapi({ example: "zk_3f9a1c0b7d2e4f68" }),
    rollout_id: z.string().uuid().nullable().openapi({ example: null }),
    rollback: z.boolean().openapi({
      description: "true when the control plane deliberately sends an older sequence",
      example: false,
    }),
    poll_after_s: z.number().int().openapi({ example: 29 }),
  })
  .openapi("BundleOffer");

const noUpdate = z
  .object({
    no_update: z.literal(true),
    poll_after_s: z.number().int().openapi({ example: 32 }),
  })
  .openapi("NoUpdate");

const headers = z.object({
  "If-None-Match": z
    .string()
    .optional()
    .openapi({
      param: { name: "If-None-Match", in: "header" },
      description: 'The bundle the node already has, as "<bundle_id>"',
      example: `"${EXAMPLE_BUNDLE_ID}"`,
    }),
});

const route = createRoute({
  method: "get",
  path: "/api/v1/nodes/{node_id}/bundles/latest",
  tags: ["Node API"],
  summary: "Poll for the bundle this node should run",
  description:
    "Offers the node's desired bundle while the node has not reported it active; otherwise " +
    "`{no_update: true}`. Cost of a poll with nothing new: the authentication read, no write.",
  security: nodeSecurity,
  request: { params: nodeIdParam, headers },
  responses: {
    200: {
      description: "An offer, or no update",
      headers: { ETag: { schema: { type: "string" }, description: '"<bundle_id>" of an offer' } },
      content: { "application/json": { schema: z.union([offer, noUpdate]) } },
    },
    304: { description: "If-None-Match names the desired bundle" },
    ...nodeErrors,
  },
});

/** GET /api/v1/nodes/{node_id}/bundles/latest */
export const registerBundleLatest = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, config, logger } = c.get("services");
    const node = currentNode(c);
    const pollAfterS = jitterSeconds(config.POLL_INTERVAL_S, Math.random());
    c.header("Cache-Control", "no-store");
    const desired = node.desiredBundleId;
    if (desired !== null && matchesEtag(c.req.valid("header")["If-None-Match"], desired)) {
      c.header("ETag", `"${desired}"`);
      return c.body(null, 304);
    }
    if (desired === null || desired === node.activeBundleId) {
      return c.json({ no_update: true as const, poll_after_s: pollAfterS }, 200);
    }
    const [bundle] = await db
      .select()
      .from(bundles)
      .where(and(eq(bundles.id, desired), eq(bundles.projectId, node.projectId)))
      .limit(1);
    const result = offerFor(node, bundle, c.req.url, pollAfterS);
    if (result.offer === null) {
      if (result.reason === "incomplete") {
        logger.error("compiled bundle lacks checksum, size or signature", { bundle_id: desired });
      }
      return c.json({ no_update: true as const, poll_after_s: pollAfterS }, 200);
    }
    c.header("ETag", `"${result.offer.bundle_id}"`);
    return c.json(result.offer, 200);
  });

/** RFC 9110 If-None-Match: `*`, or a list of (possibly weak) entity tags. */
export function matchesEtag(header: string | undefined, id: string): boolean {
  if (header === undefined) {
    return false;
  }
  return header.split(",").some((raw) => {
    const tag = raw.trim();
    return tag === "*" || tag === `"${id}"` || tag === `W/"${id}"`;
  });
}
