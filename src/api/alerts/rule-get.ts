import { createRoute } from "@hono/zod-openapi";
import { activeSilences, findRule, silencedNow } from "../../services/alert-rules";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { alertRuleParams, alertRuleSchema, toAlertRule } from "./schema";

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/alert-rules/{rule_id}",
  tags: ["Alerts"],
  summary: "Get an alert rule and its current state",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: alertRuleParams },
  responses: {
    200: { description: "The rule", content: { "application/json": { schema: alertRuleSchema } } },
    ...operatorErrors,
  },
});

/** GET /api/v1/projects/{project}/alert-rules/{rule_id} */
export const registerGetAlertRule = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const { rule_id: id } = c.req.valid("param");
    const now = services.clock.now();
    const rule = await findRule(services, project.id, id);
    if (!rule) {
      throw notFound(`Alert rule ${id}`);
    }
    const silences = await activeSilences(services, project.id, now);
    return c.json(toAlertRule(rule, silencedNow(rule, silences, now)), 200);
  });
