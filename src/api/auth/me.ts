import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses } from "../errors";
import type { App } from "../hono";
import { requireUser } from "../middleware/require-user";
import { isoTime } from "../schemas";
import { sessionOnly } from "../security";
import { membershipSchema, toMembership, toUser, userSchema } from "./schema";
import { resolvedSession } from "./session-auth";

const meSchema = z
  .object({
    user: userSchema,
    memberships: z.array(membershipSchema),
    csrf_token: z.string().openapi({ description: "Echo as X-CSRF-Token on mutations" }),
    session_expires_at: isoTime,
  })
  .openapi("Me");

const route = createRoute({
  method: "get",
  path: "/api/v1/auth/me",
  tags: ["Auth"],
  summary: "The signed-in user, their org memberships and the session's CSRF token",
  description: "The dashboard calls this on load to restore its state from the cookie.",
  security: sessionOnly,
  middleware: [requireUser] as const,
  responses: {
    200: { description: "The session", content: { "application/json": { schema: meSchema } } },
    401: errorResponses[401],
    403: errorResponses[403],
    500: errorResponses[500],
  },
});

/** GET /api/v1/auth/me */
export const registerMe = (app: App) =>
  app.openapi(route, (c) => {
    const loaded = resolvedSession(c);
    if (!loaded) {
      throw new Error("requireUser passed without a resolved session");
    }
    return c.json(
      {
        user: toUser(loaded.user),
        memberships: loaded.memberships.map(toMembership),
        csrf_token: loaded.session.csrfToken,
        session_expires_at: new Date(loaded.session.expiresAt).toISOString(),
      },
      200,
    );
  });
