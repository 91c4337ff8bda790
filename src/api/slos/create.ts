import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { slos } from "../../db/schema";
import { DEFAULT_SLO_WINDOW_DAYS, mergeAlerting, validateSloSpec } from "../../domain/slo/spec";
import { badRequest, conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { sloFields, sloSchema, toSlo } from "./schema";

const body = z.object(sloFields).openapi("CreateSlo");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/slos",
  tags: ["SLOs"],
  summary: "Create a service level objective",
  description:
    "Availability (non-5xx share of requests) or latency (share of requests at most " +
    "`latency_threshold_ms`) over a rolling window, for one service or the whole project. The " +
    "SLI job computes SLI, error budget and burn rates every 5 minutes and fires page/ticket " +
    "alerts through the notification channels (`slo.alert_fired`, `slo.alert_resolved`). " +
    "Audited as `slo.created`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "The SLO", content: { "application/json": { schema: sloSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/projects/{project}/slos */
export const registerCreateSlo = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const spec = {
      objective: input.objective,
      target: input.target,
      latency_threshold_ms: input.latency_threshold_ms ?? null,
      window_days: input.window_days ?? DEFAULT_SLO_WINDOW_DAYS,
      alerting: mergeAlerting(input.alerting),
    };
    const problems = validateSloSpec(spec);
    if (problems.length > 0) {
      throw badRequest(
        `Invalid SLO: ${problems.length} problem(s)`,
        problems.map((p) => ({ ...p })),
      );
    }
    const now = clock.now();
    const [row] = await db
      .insert(slos)
      .values({
        id: crypto.randomUUID(),
        projectId: project.id,
        name: input.name,
        description: input.description ?? null,
        service: input.service ?? null,
        objective: spec.objective,
        target: spec.target,
        latencyThresholdMs: spec.latency_threshold_ms,
        windowDays: spec.window_days,
        alerting: spec.alerting,
        status: null,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw conflict(`An SLO named "${input.name}" already exists in this project`, [
        { path: "name", message: "must be unique in the project" },
      ]);
    }
    const view = toSlo(row);
    await audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "slo.created",
        resourceType: "slo",
        resourceId: row.id,
        diff: { after: view },
        requestId,
      },
      [
        {
          projectId: project.id,
          type: "slo.created",
          resourceType: "slo",
          resourceId: row.id,
          payload: view,
        },
      ],
    );
    return c.json(view, 201);
  });
