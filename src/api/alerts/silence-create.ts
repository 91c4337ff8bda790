import { createRoute } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { alertSilences } from "../../db/schema";
import { MAX_SILENCE_MS } from "../../domain/alerts/silence";
import { findRule } from "../../services/alert-rules";
import { badRequest, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { createSilenceBody, silenceSchema, toSilence } from "./schema";

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/alert-silences",
  tags: ["Alerts"],
  summary: "Silence one alert rule, or all of them, for a while",
  description:
    "While a silence is active its rules keep changing state but send no `alert.firing`. An " +
    "alert still firing when the silence ends notifies then. A resolve is always sent for a " +
    "firing that was notified. At most 30 days. Audited as `alert_silence.created`.",
  security: operatorSecurity("projects:write"),
  middleware: [requireScope("projects:write")] as const,
  request: {
    params: projectParam,
    body: { required: true, content: { "application/json": { schema: createSilenceBody } } },
  },
  responses: {
    201: { description: "The silence", content: { "application/json": { schema: silenceSchema } } },
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/alert-silences */
export const registerCreateSilence = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const now = services.clock.now();
    const startsAt = input.starts_at === undefined ? now : Date.parse(input.starts_at);
    const endsAt = Date.parse(input.ends_at);
    const problems = [];
    if (endsAt <= now) {
      problems.push({ path: "ends_at", message: "must be in the future" });
    } else if (endsAt <= startsAt) {
      problems.push({ path: "ends_at", message: "must be after starts_at" });
    } else if (endsAt - startsAt > MAX_SILENCE_MS) {
      problems.push({ path: "ends_at", message: "a silence lasts at most 30 days" });
    }
    const ruleId = input.rule_id ?? null;
    if (ruleId !== null && !(await findRule(services, project.id, ruleId))) {
      problems.push({ path: "rule_id", message: "no such alert rule in this project" });
    }
    if (problems.length > 0) {
      throw badRequest("Invalid silence", problems);
    }
    const [row] = await services.db
      .insert(alertSilences)
      .values({
        id: crypto.randomUUID(),
        projectId: project.id,
        ruleId,
        reason: input.reason ?? null,
        startsAt,
        endsAt,
        createdBy: `${actor.type}:${actor.id}`,
        createdAt: now,
      })
      .returning();
    if (!row) {
      throw new Error("silence insert returned nothing");
    }
    const view = toSilence(row, now);
    await services.audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "alert_silence.created",
      resourceType: "alert_silence",
      resourceId: row.id,
      diff: { after: view },
      requestId: services.requestId,
    });
    return c.json(view, 201);
  });
