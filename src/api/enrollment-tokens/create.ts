import { createRoute, z } from "@hono/zod-openapi";
import { actorOf } from "../../auth/principal";
import { ENROLLMENT_TOKEN_PREFIX, mintSecret } from "../../auth/tokens";
import { enrollmentTokens } from "../../db/schema";
import { operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireScope } from "../middleware/require-scope";
import { projectParam } from "../schemas";
import { operatorSecurity } from "../security";
import { currentProject } from "../tenant";
import { enrollmentTokenSchema, toEnrollmentToken } from "./schema";

/** Longest lifetime a token may be given (one year); omit expires_in_s for no expiry. */
export const MAX_ENROLLMENT_TOKEN_TTL_S = 365 * 24 * 60 * 60;
const MAX_USES_LIMIT = 1_000_000;

const body = z
  .object({
    name: z.string().trim().min(1).max(100).optional().openapi({ example: "eu fleet bootstrap" }),
    expires_in_s: z
      .number()
      .int()
      .min(60)
      .max(MAX_ENROLLMENT_TOKEN_TTL_S)
      .optional()
      .openapi({ example: 86_400, description: "omit for a token that never expires" }),
    max_uses: z
      .number()
      .int()
      .min(1)
      .max(MAX_USES_LIMIT)
      .optional()
      .openapi({ example: 10, description: "omit for unlimited registrations" }),
  })
  .openapi("CreateEnrollmentToken");

const created = enrollmentTokenSchema
  .extend({
    token: z.string().openapi({
      description: "The token (shown once; only its hash is stored)",
      example: "zet_Q2x8mP0aV3c9dK1rT7yU5iO4pL6sA8dF2gH0jK3lZ",
    }),
  })
  .openapi("CreatedEnrollmentToken");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/enrollment-tokens",
  tags: ["Enrollment tokens"],
  summary: "Create an enrollment token for registering nodes",
  security: operatorSecurity("nodes:write"),
  middleware: [requireScope("nodes:write")] as const,
  request: {
    params: projectParam,
    body: { required: false, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: created } } },
    ...operatorErrors,
  },
});

/** POST /api/v1/projects/{project}/enrollment-tokens */
export const registerCreateEnrollmentToken = (app: App) =>
  app.openapi(route, async (c) => {
    const { db, clock, audit, requestId } = c.get("services");
    const project = currentProject(c);
    const actor = actorOf(requirePrincipal(c.get("principal")));
    const input = c.req.valid("json");
    const now = clock.now();
    const secret = await mintSecret(ENROLLMENT_TOKEN_PREFIX);
    const row = {
      id: crypto.randomUUID(),
      projectId: project.id,
      name: input.name ?? `enrollment token ${secret.prefix}`,
      prefix: secret.prefix,
      tokenHash: secret.hash,
      maxUses: input.max_uses ?? null,
      uses: 0,
      expiresAt: input.expires_in_s === undefined ? null : now + input.expires_in_s * 1000,
      revokedAt: null,
      createdBy: actor.id,
      createdAt: now,
    };
    await db.insert(enrollmentTokens).values(row);
    const view = toEnrollmentToken(row, now);
    await audit.record({
      orgId: project.orgId,
      projectId: project.id,
      actor,
      action: "enrollment_token.created",
      resourceType: "enrollment_token",
      resourceId: row.id,
      diff: {
        after: {
          name: view.name,
          prefix: view.prefix,
          max_uses: view.max_uses,
          expires_at: view.expires_at,
        },
      },
      requestId,
    });
    return c.json({ ...view, token: secret.value }, 201);
  });
