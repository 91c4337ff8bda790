import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { alertRules } from "../../db/schema";
import { findRule, retireRule } from "../../services/alert-rules";
import { conflict, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { alertRuleParams, toAlertRule } from "./schema";

const route = createRoute({
  method: "delete",
  path: "/api/v1/projects/{project}/alert-rules/{rule_id}",
  tags: ["Alerts"],
  summary: "Delete an alert rule (and its silences)",
  description:
    "A firing alert that was notified sends its `alert.resolved` first. The rule's history " +
    "stays. Audited as `alert_rule.deleted`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: { params: alertRuleParams },
  responses: { 204: { description: "Deleted" }, ...operatorErrors, 409: errorResponses[409] },
});

/** DELETE /api/v1/projects/{project}/alert-rules/{rule_id} */
export const registerDeleteAlertRule = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { rule_id: id } = c.req.valid("param");
    const rule = await findRule(services, project.id, id);
    if (!rule) {
      throw notFound(`Alert rule ${id}`);
    }
    if (!(await retireRule(services, project, rule, services.clock.now()))) {
      throw conflict("The rule changed while it was being deleted; retry");
    }
    await services.db
      .delete(alertRules)
      .where(and(eq(alertRules.id, rule.id), eq(alertRules.projectId, project.id)));
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "alert_rule.deleted",
      resourceType: "alert_rule",
      resourceId: rule.id,
      diff: { before: toAlertRule(rule, false) },
      requestId: services.requestId,
    });
    return c.body(null, 204);
  });
