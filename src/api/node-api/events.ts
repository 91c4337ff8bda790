import { createRoute, z } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import { NODE_EVENT_SEVERITIES, NODE_EVENT_TYPES } from "../../db/schema";
import { badRequest, errorResponses, zodDetails } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import {
  jsonObjectSchema,
  MAX_NODE_TEXT_CHARS,
  nodeErrors,
  nodeIdParam,
  nodeSecurity,
} from "./schema";

/** Events per request; one D1 batch (one transaction) stores them all or none. */
export const MAX_EVENTS_PER_REQUEST = 100;

const eventSchema = z
  .object({
    event_type: z.enum(NODE_EVENT_TYPES).openapi({ example: "config_reload" }),
    severity: z.enum(NODE_EVENT_SEVERITIES).optional().openapi({ example: "info" }),
    message: z
      .string()
      .min(1)
      .max(MAX_NODE_TEXT_CHARS)
      .openapi({ example: "reloaded zentinel.kdl" }),
    metadata: jsonObjectSchema.optional(),
  })
  .openapi("NodeEventInput");

const batchSchema = z
  .object({ events: z.array(eventSchema).min(1).max(MAX_EVENTS_PER_REQUEST) })
  .openapi("NodeEventBatch");

const body = z.union([batchSchema, eventSchema]);

const response = z
  .object({ status: z.literal("ok"), count: z.number().int().openapi({ example: 2 }) })
  .openapi("NodeEventsAccepted");

const route = createRoute({
  method: "post",
  path: "/api/v1/nodes/{node_id}/events",
  tags: ["Node API"],
  summary: "Record node events (one, or a batch of up to 100)",
  description: `Either one event or \`{events: [...]}\`; a batch is stored all-or-nothing. Severity defaults to info.`,
  security: nodeSecurity,
  request: {
    params: nodeIdParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "Stored", content: { "application/json": { schema: response } } },
    400: errorResponses[400],
    ...nodeErrors,
  },
});

/**
 * Validation hook of this route. A failed union parse reports only "Invalid input", so the body
 * is re-validated against the form it meant (`events` present → batch) and every problem is
 * listed with its path. The validator hands the raw value to hooks as `data`.
 */
function eventsHook(
  result: { target: string } & ({ success: true } | { success: false; error: ZodError }),
): undefined {
  if (result.success) {
    return undefined;
  }
  let details = zodDetails(result.error);
  if (result.target === "json") {
    const raw: unknown = "data" in result ? result.data : undefined;
    const meantBatch = typeof raw === "object" && raw !== null && "events" in raw;
    const branch = (meantBatch ? batchSchema : eventSchema).safeParse(raw);
    if (!branch.success) {
      details = zodDetails(branch.error);
    }
  }
  throw badRequest(
    `Request validation failed (${result.target}): ${details.length} problem${details.length === 1 ? "" : "s"}`,
    details,
  );
}

/** POST /api/v1/nodes/{node_id}/events */
export const registerNodeEvents = (app: App) =>
  app.openapi(
    route,
    async (c) => {
      const { d1, clock } = c.get("services");
      const node = currentNode(c);
      const input = c.req.valid("json");
      const events = "events" in input ? input.events : [input];
      const now = clock.now();
      await d1.batch(
        events.map((e) =>
          d1
            .prepare(
              `INSERT INTO node_events (id, node_id, project_id, event_type, severity, message,
                 metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .bind(
              crypto.randomUUID(),
              node.id,
              node.projectId,
              e.event_type,
              e.severity ?? "info",
              e.message,
              JSON.stringify(e.metadata ?? {}),
              now,
            ),
        ),
      );
      return c.json({ status: "ok" as const, count: events.length }, 201);
    },
    eventsHook,
  );
