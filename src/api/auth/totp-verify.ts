import { createRoute, z } from "@hono/zod-openapi";
import { completePendingSession } from "../../services/sessions";
import { checkSecondFactor } from "../../services/totp";
import { errorResponses, unauthorized } from "../errors";
import type { App } from "../hono";
import { sessionOnly } from "../security";
import { limitSecondFactorAttempt } from "./limits";
import { codeSchema, sessionResponseSchema, toUser } from "./schema";
import { requestOrigin, requireCsrf, sessionFromCookie, setSessionCookie } from "./session-auth";

const body = z
  .object({
    code: codeSchema.openapi({
      description: "The current 6-digit code, or one unused recovery code (`abcde-fghij`)",
    }),
  })
  .openapi("TotpSignIn");

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/totp",
  tags: ["Auth"],
  summary: "Finish a sign-in with the TOTP code (or a recovery code)",
  description:
    "Needs the pending session cookie from POST /api/v1/auth/login and its CSRF token in " +
    "X-CSRF-Token. Success replaces the pending session with a new one (new cookie, new CSRF " +
    "token); a recovery code is used up. Limited to 10 attempts per user in 15 minutes.",
  security: sessionOnly,
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    200: {
      description: "Signed in",
      content: { "application/json": { schema: sessionResponseSchema } },
    },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

/** POST /api/v1/auth/totp */
export const registerTotpSignIn = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { code } = c.req.valid("json");
    const loaded = await sessionFromCookie(c);
    if (!loaded?.session.pendingTotp) {
      throw unauthorized("No sign-in is waiting for a TOTP code; log in again");
    }
    requireCsrf(c, loaded.session.csrfToken);
    await limitSecondFactorAttempt(services, loaded.user.id);
    const factor = await checkSecondFactor(services, loaded.user, code);
    if (factor === null) {
      services.logger.warn("totp sign-in failed", { user_id: loaded.user.id });
      throw unauthorized("Invalid code");
    }
    const issued = await completePendingSession(services, loaded.session, requestOrigin(c));
    if (!issued) {
      throw unauthorized("This sign-in was already completed or has expired; log in again");
    }
    const now = services.clock.now();
    setSessionCookie(c, issued, now);
    services.logger.info("login", { user_id: loaded.user.id, second_factor: factor });
    return c.json(
      {
        totp_required: false,
        csrf_token: issued.csrfToken,
        expires_at: new Date(issued.expiresAt).toISOString(),
        user: toUser({ ...loaded.user, lastLoginAt: now }),
      },
      200,
    );
  });
