import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { signingKeySchema, toSigningKey } from "./schema";

const rotatedSchema = z
  .object({
    active: signingKeySchema,
    retired_kid: z.string().nullable().openapi({ example: "zk_1a2b3c4d" }),
  })
  .openapi("SigningKeyRotation");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/signing-keys/rotate",
  tags: ["Signing keys"],
  summary: "Rotate the project's signing key",
  description:
    "Creates a new active key and retires the current one. Bundles compiled from now on are signed with the new key; " +
    "the retired key stays listed so earlier bundles still verify. Nodes learn new keys from the key list.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: projectParam },
  responses: {
    200: { description: "The new key", content: { "application/json": { schema: rotatedSchema } } },
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/signing-keys/rotate */
export const registerRotateSigningKey = (app: App) =>
  app.openapi(route, async (c) => {
    const { signingKeys, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const { retired, active } = await signingKeys.rotate(project.id);
    await audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor: actorOf(requirePrincipal(c.get("principal"))),
        action: "signing_key.rotated",
        resourceType: "signing_key",
        resourceId: active.id,
        diff: { before: { active_kid: retired }, after: { active_kid: active.id } },
        requestId,
      },
      [
        {
          projectId: project.id,
          type: "signing_key.rotated",
          severity: "warning",
          resourceType: "signing_key",
          resourceId: active.id,
          payload: { kid: active.id, retired_kid: retired },
        },
      ],
    );
    return c.json({ active: toSigningKey(active), retired_kid: retired }, 200);
  });
