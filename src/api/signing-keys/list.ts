import { createRoute, z } from "@hono/zod-openapi";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { signingKeySchema, toSigningKey } from "./schema";

const keysSchema = z.object({ keys: z.array(signingKeySchema) }).openapi("SigningKeyList");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/signing-keys",
  tags: ["Signing keys"],
  summary: "Public keys that sign this project's bundles (active first, then retired)",
  description:
    "Pin these to verify `manifest.sig`. Retired keys stay listed so bundles signed before a rotation still verify. " +
    "The project's first key is created when first needed (here or at the first compile).",
  security: operatorSecurity("bundles:read"),
  middleware: [requireScope("bundles:read")] as const,
  request: { params: projectParam },
  responses: {
    200: { description: "Keys", content: { "application/json": { schema: keysSchema } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/signing-keys */
export const registerListSigningKeys = (app: App) =>
  app.openapi(route, async (c) => {
    const { signingKeys } = c.get("services");
    const project = currentProject(c);
    // Creating the key on first read means clients can pin it before the first bundle exists.
    await signingKeys.active(project.id);
    const rows = await signingKeys.list(project.id);
    return c.json({ keys: rows.map(toSigningKey) }, 200);
  });
