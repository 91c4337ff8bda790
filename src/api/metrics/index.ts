import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses } from "../errors";
import type { App } from "../hono";
import { operatorAuth, requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { collectMetrics, visibilityOf } from "./collect";
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from "./prometheus";

const EXAMPLE = `# HELP zcp_nodes Registered (not revoked) nodes by status.
# TYPE zcp_nodes gauge
zcp_nodes{project="demo",status="online"} 12
zcp_nodes{project="demo",status="offline"} 1
`;

const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["Meta"],
  summary: "Prometheus metrics of the projects the caller may read",
  description:
    "Text exposition format. Needs an operator credential with `projects:read` (a Prometheus " +
    "scrape job sends a read-only API key as a bearer token); every series carries a `project` " +
    "label and only the caller's projects appear. Nodes, bundles, active rollouts and open drift " +
    "are current counts; rollout transitions count `rollout.*` audit entries of the last hour; " +
    "compile durations cover bundles compiled in the last 24 h. Request counters are per isolate " +
    "(`isolate` label): a sample of traffic, not a fleet-wide total.",
  security: operatorSecurity("projects:read"),
  middleware: [operatorAuth, requireScope("projects:read")] as const,
  responses: {
    200: {
      description: "Metrics",
      content: { "text/plain": { schema: z.string().openapi({ example: EXAMPLE }) } },
    },
    401: errorResponses[401],
    403: errorResponses[403],
    500: errorResponses[500],
  },
});

/** GET /metrics (outside /api, so it authenticates operators itself). */
export function registerMetricsRoute(app: App): void {
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const families = await collectMetrics(services, visibilityOf(principal), services.clock.now());
    return c.text(renderMetrics(families), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  });
}
