import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { badRequest, errorResponse, errorResponses } from "../errors";
import type { App } from "../hono";
import { currentNode } from "../middleware/node-auth";
import { nodeErrors, nodeIdParam, nodeSecurity } from "./schema";
import {
  MAX_FUTURE_SKEW_MS,
  MAX_TELEMETRY_BODY_BYTES,
  telemetryBody,
  toReport,
} from "./telemetry-schema";

const response = z
  .object({
    status: z.literal("ok"),
    counted: z.boolean().openapi({ description: "false for a retry or a too-old interval" }),
    reason: z.enum(["duplicate", "too_old"]).optional(),
  })
  .openapi("TelemetryAck");

const route = createRoute({
  method: "post",
  path: "/api/v1/nodes/{node_id}/telemetry",
  tags: ["Node API"],
  summary: "Report request, latency and WAF deltas for one interval",
  description:
    "Idempotent by `(node, interval_start)`: a retry is answered 200 with `counted: false`. " +
    "Deltas count in the minute they arrive. Costs no D1 write: the project's telemetry " +
    "aggregator merges reports and upserts one row per service and bundle per minute. Body " +
    `limit ${MAX_TELEMETRY_BODY_BYTES / 1024} KiB.`,
  security: nodeSecurity,
  middleware: [
    bodyLimit({
      maxSize: MAX_TELEMETRY_BODY_BYTES,
      onError: (c) =>
        errorResponse(
          c,
          "PAYLOAD_TOO_LARGE",
          `Telemetry body exceeds ${MAX_TELEMETRY_BODY_BYTES} bytes`,
        ),
    }),
  ] as const,
  request: {
    params: nodeIdParam,
    body: { required: true, content: { "application/json": { schema: telemetryBody } } },
  },
  responses: {
    200: { description: "Acknowledged", content: { "application/json": { schema: response } } },
    400: errorResponses[400],
    413: errorResponses[413],
    ...nodeErrors,
  },
});

/** POST /api/v1/nodes/{node_id}/telemetry */
export const registerTelemetry = (app: App) =>
  app.openapi(route, async (c) => {
    const { clock, telemetry } = c.get("services");
    const node = currentNode(c);
    const report = toReport(c.req.valid("json"), node.activeBundleId);
    const now = clock.now();
    if (report.intervalStart > now + MAX_FUTURE_SKEW_MS) {
      throw badRequest("interval_start is in the future", [
        {
          path: "interval_start",
          message: `must not be more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of the control plane's clock`,
        },
      ]);
    }
    const stub = telemetry.get(telemetry.idFromName(node.projectId));
    const outcome = await stub.ingest(node.projectId, node.id, report, now);
    return c.json(
      outcome.counted
        ? { status: "ok" as const, counted: true }
        : { status: "ok" as const, counted: false, reason: outcome.reason },
      200,
    );
  });
