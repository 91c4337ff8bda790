import { createRoute } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { alertRules } from "../../db/schema";
import {
  activeSilences,
  armEvaluator,
  findRule,
  retireRule,
  silencedNow,
} from "../../services/alert-rules";
import { conflict, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { alertRuleParams, alertRuleSchema, toAlertRule, updateAlertRuleBody } from "./schema";

const route = createRoute({
  method: "patch",
  path: "/api/v1/projects/{project}/alert-rules/{rule_id}",
  tags: ["Alerts"],
  summary: "Change an alert rule",
  description:
    "Send only the fields to change. Disabling the rule, or changing its metric or service, " +
    "ends its current state: a firing alert that was notified sends its `alert.resolved`. " +
    "Threshold, comparator and durations apply from the next evaluation. Audited as " +
    "`alert_rule.updated`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: alertRuleParams,
    body: { required: true, content: { "application/json": { schema: updateAlertRuleBody } } },
  },
  responses: {
    200: { description: "The rule", content: { "application/json": { schema: alertRuleSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** PATCH /api/v1/projects/{project}/alert-rules/{rule_id} */
export const registerUpdateAlertRule = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { rule_id: id } = c.req.valid("param");
    const input = c.req.valid("json");
    const now = services.clock.now();
    const before = await findRule(services, project.id, id);
    if (!before) {
      throw notFound(`Alert rule ${id}`);
    }
    if (input.name !== undefined && input.name !== before.name) {
      const taken = await services.db.query.alertRules.findFirst({
        where: and(eq(alertRules.projectId, project.id), eq(alertRules.name, input.name)),
        columns: { id: true },
      });
      if (taken) {
        throw conflict("An alert rule with this name exists", [
          { path: "name", message: "already used in this project" },
        ]);
      }
    }
    const retarget =
      (input.enabled === false && before.enabled) ||
      (input.metric !== undefined && input.metric !== before.metric) ||
      (input.service !== undefined && input.service !== before.service);
    if (retarget && !(await retireRule(services, project, before, now))) {
      throw conflict("The rule changed while it was being updated; retry");
    }
    const [updated] = await services.db
      .update(alertRules)
      .set({
        name: input.name,
        description: input.description,
        metric: input.metric,
        service: input.service,
        comparator: input.comparator,
        threshold: input.threshold,
        windowSeconds: input.window_seconds,
        forSeconds: input.for_seconds,
        severity: input.severity,
        enabled: input.enabled,
        updatedAt: now,
      })
      .where(and(eq(alertRules.id, before.id), eq(alertRules.projectId, project.id)))
      .returning();
    if (!updated) {
      throw notFound(`Alert rule ${id}`);
    }
    const silences = await activeSilences(services, project.id, now);
    const view = toAlertRule(updated, silencedNow(updated, silences, now));
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "alert_rule.updated",
      resourceType: "alert_rule",
      resourceId: updated.id,
      diff: { before: toAlertRule(before, false), after: view },
      requestId: services.requestId,
    });
    if (updated.enabled) {
      await armEvaluator(services, project.id);
    }
    return c.json(view, 200);
  });
