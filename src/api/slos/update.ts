import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, ne } from "drizzle-orm";
import { actorOf } from "../../auth/principal";
import { slos } from "../../db/schema";
import { mergeAlerting, validateSloSpec } from "../../domain/slo/spec";
import { badRequest, conflict, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { findSlo } from "./get";
import { sloFields, sloParams, sloSchema, toSlo } from "./schema";

const body = z
  .object({
    name: sloFields.name.optional(),
    description: sloFields.description,
    service: sloFields.service,
    objective: sloFields.objective.optional(),
    target: sloFields.target.optional(),
    latency_threshold_ms: sloFields.latency_threshold_ms,
    window_days: sloFields.window_days,
    alerting: sloFields.alerting,
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "name at least one field to change")
  .openapi("UpdateSlo");

const route = createRoute({
  method: "patch",
  path: "/api/v1/projects/{project}/slos/{slo_id}",
  tags: ["SLOs"],
  summary: "Change an SLO (omitted fields stay; alerting merges field by field)",
  description:
    "The next SLI run uses the new definition; open alerts resolve there if they no longer " +
    "fire. Audited as `slo.updated`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: sloParams,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: { description: "The SLO", content: { "application/json": { schema: sloSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** PATCH /api/v1/projects/{project}/slos/{slo_id} */
export const registerUpdateSlo = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { slo_id } = c.req.valid("param");
    const input = c.req.valid("json");
    const row = await findSlo(db, project.id, slo_id);
    const objective = input.objective ?? row.objective;
    // Switching to availability drops a threshold that is not restated.
    const threshold =
      input.latency_threshold_ms !== undefined
        ? input.latency_threshold_ms
        : objective === "availability"
          ? null
          : row.latencyThresholdMs;
    const spec = {
      objective,
      target: input.target ?? row.target,
      latency_threshold_ms: threshold,
      window_days: input.window_days ?? row.windowDays,
      alerting: mergeAlerting(input.alerting, row.alerting),
    };
    const problems = validateSloSpec(spec);
    if (problems.length > 0) {
      throw badRequest(
        `Invalid SLO: ${problems.length} problem(s)`,
        problems.map((p) => ({ ...p })),
      );
    }
    const name = input.name ?? row.name;
    if (name !== row.name) {
      const taken = await db.query.slos.findFirst({
        where: and(eq(slos.projectId, project.id), eq(slos.name, name), ne(slos.id, row.id)),
      });
      if (taken) {
        throw conflict(`An SLO named "${name}" already exists in this project`, [
          { path: "name", message: "must be unique in the project" },
        ]);
      }
    }
    const [updated] = await db
      .update(slos)
      .set({
        name,
        description: input.description !== undefined ? input.description : row.description,
        service: input.service !== undefined ? input.service : row.service,
        objective: spec.objective,
        target: spec.target,
        latencyThresholdMs: spec.latency_threshold_ms,
        windowDays: spec.window_days,
        alerting: spec.alerting,
        updatedAt: clock.now(),
      })
      .where(and(eq(slos.id, row.id), eq(slos.projectId, project.id)))
      .returning();
    if (!updated) {
      throw conflict("The SLO was deleted meanwhile");
    }
    const before = toSlo(row);
    const after = toSlo(updated);
    await audit.record(
      {
        orgId: project.orgId,
        projectId: project.id,
        actor,
        action: "slo.updated",
        resourceType: "slo",
        resourceId: row.id,
        diff: { before, after },
        requestId,
      },
      [
        {
          projectId: project.id,
          type: "slo.updated",
          resourceType: "slo",
          resourceId: row.id,
          payload: after,
        },
      ],
    );
    return c.json(after, 200);
  });
