import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../hono";

/** Reported by /healthz; bumped with releases. */
export const SERVICE_VERSION = "0.1.0";

const route = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Meta"],
  summary: "Liveness (no auth, no storage access)",
  responses: {
    200: {
      description: "The Worker is serving",
      content: {
        "application/json": {
          schema: z
            .object({ status: z.literal("ok"), version: z.string(), time: z.string() })
            .openapi("Health"),
        },
      },
    },
  },
});

/** GET /healthz: answers without touching D1 so it measures the Worker alone. */
export const registerHealthz = (app: App) =>
  app.openapi(route, (c) =>
    c.json(
      { status: "ok" as const, version: SERVICE_VERSION, time: new Date().toISOString() },
      200,
    ),
  );
