import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { sloAlerts, slos } from "../../db/schema";
import type { Db } from "../../services";
import { notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requireScope } from "../middleware/require-scope";
import { iso, isoTime } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { type SloRow, sloParams, sloSchema, toSlo } from "./schema";

/** Alerts shown with an SLO (newest first). */
export const SLO_ALERT_HISTORY = 20;

const alertSchema = z
  .object({
    id: z.string().uuid(),
    severity: z.enum(["page", "ticket"]),
    fired_at: isoTime,
    resolved_at: isoTime.nullable(),
    fired_burn_rates: z.record(z.string(), z.number().nullable()),
    resolved_burn_rates: z.record(z.string(), z.number().nullable()).nullable(),
  })
  .openapi("SloAlert");

const detailSchema = sloSchema.extend({ alerts: z.array(alertSchema) }).openapi("SloDetail");

const route = createRoute({
  method: "get",
  path: "/api/v1/projects/{project}/slos/{slo_id}",
  tags: ["SLOs"],
  summary: "An SLO with its last computed status and its recent burn-rate alerts",
  security: operatorSecurity("projects:read"),
  middleware: [requireScope("projects:read")] as const,
  request: { params: sloParams },
  responses: {
    200: { description: "The SLO", content: { "application/json": { schema: detailSchema } } },
    ...operatorErrors,
  },
});

/** The SLO `id` of `projectId`, or 404. */
export async function findSlo(db: Db, projectId: string, id: string): Promise<SloRow> {
  const row = await db.query.slos.findFirst({
    where: and(eq(slos.id, id), eq(slos.projectId, projectId)),
  });
  if (!row) {
    throw notFound(`SLO ${id}`);
  }
  return row;
}

/** GET /api/v1/projects/{project}/slos/{slo_id} */
export const registerGetSlo = (app: App) =>
  app.openapi(route, async (c) => {
    const { db } = c.get("services");
    const project = currentProject(c);
    const { slo_id } = c.req.valid("param");
    const row = await findSlo(db, project.id, slo_id);
    const alerts = await db
      .select()
      .from(sloAlerts)
      .where(and(eq(sloAlerts.sloId, row.id), eq(sloAlerts.projectId, project.id)))
      .orderBy(desc(sloAlerts.firedAt))
      .limit(SLO_ALERT_HISTORY);
    return c.json(
      {
        ...toSlo(row),
        alerts: alerts.map((a) => ({
          id: a.id,
          severity: a.severity,
          fired_at: iso(a.firedAt),
          resolved_at: iso(a.resolvedAt),
          fired_burn_rates: a.firedBurnRates,
          resolved_burn_rates: a.resolvedBurnRates,
        })),
      },
      200,
    );
  });
