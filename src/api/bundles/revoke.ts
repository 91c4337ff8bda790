import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { revokeBundle } from "../../db/bundles";
import { notifyBundleRevoked } from "../../services/rollout-revocation";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { bundleParams, bundleSchema, requireBundle, toBundle } from "./schema";

const body = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .openapi({ example: "leaks the admin route without auth" }),
  })
  .openapi("RevokeBundle");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/bundles/{bundle_id}/revoke",
  tags: ["Bundles"],
  summary: "Revoke a compiled bundle: it is never offered or served again",
  description:
    "compiled → revoked. Downloads answer 410 from now on and nodes are no longer offered the bundle. Nodes already " +
    "running it keep running it until a rollout moves them; rollouts targeting it fail safely. Revoking a revoked " +
    "bundle is a no-op (200); other states are 409.",
  security: operatorSecurity("bundles:write"),
  middleware: [requireScope("bundles:write")] as const,
  request: {
    params: bundleParams,
    body: { required: false, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: {
      description: "The revoked bundle",
      content: { "application/json": { schema: bundleSchema } },
    },
    ...operatorErrors,
    410: errorResponses[410],
    409: errorResponses[409],
  },
});

/** POST /api/v1/projects/{project}/bundles/{bundle_id}/revoke */
export const registerRevokeBundle = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const bundle = await requireBundle(c, c.req.valid("param").bundle_id);
    const { reason } = c.req.valid("json") ?? {};
    if (bundle.status === "revoked") {
      return c.json(toBundle(bundle), 200);
    }
    const revoked = await revokeBundle(services.db, project.id, bundle.id, services.clock.now());
    if (!revoked) {
      throw conflict(
        `Bundle ${bundle.id} is ${bundle.status}; only compiled bundles can be revoked`,
        [{ path: "status", message: `is ${bundle.status}` }],
      );
    }
    const payload = { bundle_id: revoked.id, version: revoked.version, reason: reason ?? null };
    await services.audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor: actorOf(requirePrincipal(c.get("principal"))),
        action: "bundle.revoked",
        resourceType: "bundle",
        resourceId: revoked.id,
        diff: {
          before: { status: "compiled" },
          after: { status: "revoked", reason: reason ?? null },
        },
        requestId: services.requestId,
      },
      [
        {
          projectId: project.id,
          type: "bundle.revoked",
          severity: "warning",
          resourceType: "bundle",
          resourceId: revoked.id,
          payload,
        },
      ],
    );
    // Active rollouts of this bundle must fail safely now, not at their next step: rollouts
    // waiting for approval have no alarm, so each gets an immediate tick.
    await notifyBundleRevoked(services, project.id, revoked.id);
    return c.json(toBundle(revoked), 200);
  });
