import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import type { CommandRequest, CommandResult, RolloutRpc } from "../../rpc/rollout";
import { ApiError, type ErrorCode, errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { rolloutParams, rolloutSchema } from "./schema";
import { freshRolloutView, requireRollout } from "./view";

/** The operator commands a rollout accepts. */
export type RolloutAction =
  | "pause"
  | "resume"
  | "cancel"
  | "rollback"
  | "approve"
  | "reject"
  | "promote";

/** An action's optional body: `reason` for cancel/rollback, `comment` for approve/reject. */
export type ActionBody = z.ZodType<{ reason?: string; comment?: string } | undefined>;

/** Everything that differs between the action routes. */
export interface ActionSpec {
  readonly action: RolloutAction;
  readonly summary: string;
  readonly description: string;
  /** The JSON body; actions without one accept an optional empty object. */
  readonly body?: { readonly schema: ActionBody; readonly required: boolean };
  readonly run: (
    stub: DurableObjectStub<RolloutRpc>,
    req: CommandRequest,
  ) => Promise<CommandResult>;
}

/** A trimmed reason or comment text. */
export const actionText = (max: number) => z.string().trim().min(1).max(max);

const NO_BODY = {
  schema: z.object({}).openapi("RolloutActionNoBody"),
  required: false,
};

const REFUSAL_CODES: Record<"invalid_state" | "forbidden" | "invalid_input", ErrorCode> = {
  invalid_state: "CONFLICT",
  forbidden: "FORBIDDEN",
  invalid_input: "BAD_REQUEST",
};

/**
 * Registers `POST …/rollouts/{rollout_id}/{action}`: forwards the command to the rollout's
 * Durable Object with the caller as actor. Applied or ignored (a repeat) → 200 with the
 * rollout; refused → 409 (state), 403 (e.g. self-approval) or 400 (e.g. blank rejection).
 * The transition is audited by the engine with the caller as actor.
 */
export function registerRolloutAction(app: App, spec: ActionSpec): void {
  const body = spec.body ?? NO_BODY;
  const route = createRoute({
    method: "post",
    path: `/api/v1/projects/{project}/rollouts/{rollout_id}/${spec.action}`,
    tags: ["Rollouts"],
    summary: spec.summary,
    description: spec.description,
    security: operatorSecurity("rollouts:write"),
    middleware: [requireScope("rollouts:write")] as const,
    request: {
      params: rolloutParams,
      body: {
        required: body.required,
        content: { "application/json": { schema: body.schema } },
      },
    },
    responses: {
      200: {
        description: "The rollout after the command",
        content: { "application/json": { schema: rolloutSchema } },
      },
      ...operatorErrors,
      409: errorResponses[409],
    },
  });
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const { rollout_id: id } = c.req.valid("param");
    const input = c.req.valid("json");
    const rollout = await requireRollout(services, project.id, id);
    const stub = services.rollouts.get(services.rollouts.idFromName(rollout.id));
    const result = await spec.run(stub, {
      actor,
      requestId: services.requestId,
      comment: input?.comment ?? input?.reason ?? null,
    });
    if (result.outcome.kind === "refused") {
      throw new ApiError(REFUSAL_CODES[result.outcome.code], result.outcome.message);
    }
    return c.json(await freshRolloutView(services, project.id, rollout.id), 200);
  });
}
