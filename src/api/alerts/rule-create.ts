import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { alertRules } from "../../db/schema";
import { armEvaluator } from "../../services/alert-rules";
import { conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { alertRuleSchema, createAlertRuleBody, toAlertRule } from "./schema";

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/alert-rules",
  tags: ["Alerts"],
  summary: "Create a threshold alert rule",
  description:
    "The rule is evaluated every 30 s. It goes `pending` when its metric breaches the " +
    "threshold, `firing` once the breach has lasted `for_seconds`, and `resolved` when it " +
    "ends. Firing and resolving each emit one event (`alert.firing`, `alert.resolved`) for " +
    "the notification channels. Names are unique per project (409). Audited as " +
    "`alert_rule.created`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: createAlertRuleBody } } },
  },
  responses: {
    201: { description: "The rule", content: { "application/json": { schema: alertRuleSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/projects/{project}/alert-rules */
export const registerCreateAlertRule = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const now = services.clock.now();
    const [row] = await services.db
      .insert(alertRules)
      .values({
        id: crypto.randomUUID(),
        projectId: project.id,
        name: input.name,
        description: input.description ?? null,
        metric: input.metric,
        service: input.service ?? null,
        comparator: input.comparator,
        threshold: input.threshold,
        windowSeconds: input.window_seconds,
        forSeconds: input.for_seconds,
        severity: input.severity,
        enabled: input.enabled,
        stateSince: now,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw conflict("An alert rule with this name exists", [
        { path: "name", message: "already used in this project" },
      ]);
    }
    const view = toAlertRule(row, false);
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "alert_rule.created",
      resourceType: "alert_rule",
      resourceId: row.id,
      diff: { after: view },
      requestId: services.requestId,
    });
    if (row.enabled) {
      await armEvaluator(services, project.id);
    }
    return c.json(view, 201);
  });
