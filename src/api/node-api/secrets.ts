import { createRoute, z } from "@hono/zod-openapi";
import { secretFilesFor } from "../../services/node-secrets";
import { errorResponses, forbidden } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { BUNDLE_ID_PATTERN, nodeErrors, nodeIdParam, nodeSecurity } from "./schema";

const query = z.object({
  bundle: z
    .string()
    .regex(BUNDLE_ID_PATTERN, "must be a bundle id (64 lowercase hex characters)")
    .openapi({ param: { name: "bundle", in: "query" }, description: "The bundle being staged" }),
});

const response = z
  .object({
    bundle_id: z.string(),
    files: z.array(
      z.object({
        path: z
          .string()
          .openapi({ example: "signer-key", description: "Relative to the secrets directory" }),
        kind: z.enum(["secret", "certificate", "certificate-key"]),
        name: z.string(),
        version: z.number().int(),
        content: z.string(),
      }),
    ),
    missing: z.array(z.string()).openapi({
      description: "References deleted since the compile (`secret/<name>`); stage must fail",
    }),
  })
  .openapi("NodeSecrets");

const route = createRoute({
  method: "get",
  path: "/api/v1/nodes/{node_id}/secrets",
  tags: ["Node API"],
  summary: "The secret files of the bundle this node is staging",
  description:
    "Returns only the secrets and certificates (with their private keys) that `bundle` " +
    "references, and only when `bundle` is this node's desired bundle (otherwise 403). The " +
    "agent writes each file with mode 0600 under `<state-dir>/secrets/` before switching " +
    "config; the generated KDL names those paths. Bundles carry no secret values. " +
    "`Cache-Control: no-store`.",
  security: nodeSecurity,
  request: { params: nodeIdParam, query },
  responses: {
    200: { description: "The files", content: { "application/json": { schema: response } } },
    400: errorResponses[400],
    ...nodeErrors,
  },
});

/** GET /api/v1/nodes/{node_id}/secrets?bundle= */
export const registerNodeSecrets = (app: App) =>
  app.openapi(route, async (c) => {
    const node = currentNode(c);
    const { bundle } = c.req.valid("query");
    if (node.desiredBundleId !== bundle) {
      throw forbidden("Secrets are served only for this node's desired bundle");
    }
    const { db, config } = c.get("services");
    const { files, missing } = await secretFilesFor(
      db,
      config.ZCP_MASTER_KEY,
      node.projectId,
      bundle,
    );
    c.header("Cache-Control", "no-store");
    return c.json({ bundle_id: bundle, files, missing }, 200);
  });
