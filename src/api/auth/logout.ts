import { createRoute } from "@hono/zod-openapi";
import { endSession } from "../../services/sessions";
import { errorResponses } from "../errors";
import type { App } from "../hono";
import { sessionOnly } from "../security";
import { clearSessionCookie, requireCsrf, sessionFromCookie } from "./session-auth";

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/logout",
  tags: ["Auth"],
  summary: "Sign out (ends the session and clears the cookie)",
  description:
    "Idempotent: without a live session it only clears the cookie. With one (complete or " +
    "pending TOTP) it needs the session's X-CSRF-Token.",
  security: sessionOnly,
  responses: {
    204: { description: "Signed out" },
    403: errorResponses[403],
    500: errorResponses[500],
  },
});

/** POST /api/v1/auth/logout */
export const registerLogout = (app: App) =>
  app.openapi(route, async (c) => {
    const loaded = await sessionFromCookie(c);
    if (loaded) {
      requireCsrf(c, loaded.session.csrfToken);
      await endSession(c.get("services"), loaded.session.id);
    }
    clearSessionCookie(c);
    return c.body(null, 204);
  });
