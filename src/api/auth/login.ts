import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { PBKDF2_ITERATIONS, verifyPassword } from "../../auth/password";
import { users } from "../../db/schema";
import { startSession } from "../../services/sessions";
import { errorResponses, unauthorized } from "../errors";
import type { App } from "../hono";
import { forgiveLoginEmail, limitLoginAttempt } from "./limits";
import { sessionResponseSchema, toUser } from "./schema";
import { requestOrigin, setSessionCookie } from "./session-auth";
import { enforceSsoRequired } from "./sso-required";

/**
 * Verified against when the email is unknown or disabled, so every failed login costs one full
 * PBKDF2 and response time does not reveal which accounts exist.
 */
const DECOY_PASSWORD_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${"A".repeat(22)}$${"A".repeat(43)}`;

const body = z
  .object({
    email: z.email().max(254).openapi({ example: "admin@example.com" }),
    password: z.string().min(1).max(1024).openapi({ example: "correct horse battery staple" }),
  })
  .openapi("Login");

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/login",
  tags: ["Auth"],
  summary: "Sign in with email and password (dashboard)",
  description:
    "Sets the `zcp_session` cookie (HttpOnly, Secure, SameSite=Strict, 12 h) and returns the " +
    "session's CSRF token. For accounts with TOTP the session is pending: the answer is " +
    "`totp_required: true` and only POST /api/v1/auth/totp accepts it. Limited to 10 attempts " +
    "per email and 50 per client IP in 15 minutes. A member of an org that requires SSO is " +
    "refused (403) unless they are an admin there (break-glass, audited).",
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    200: {
      description: "Signed in (or waiting for the TOTP code)",
      headers: z.object({ "Set-Cookie": z.string().openapi({ example: "zcp_session=…" }) }),
      content: { "application/json": { schema: sessionResponseSchema } },
    },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

/** POST /api/v1/auth/login */
export const registerLogin = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const input = c.req.valid("json");
    const email = input.email.trim().toLowerCase();
    const origin = requestOrigin(c);
    await limitLoginAttempt(services, email, origin.ip);
    const user = await services.db.query.users.findFirst({ where: eq(users.email, email) });
    // SSO-only accounts have no password hash: they take the decoy path like unknown emails.
    const usable =
      user !== undefined && user.disabledAt === null && user.passwordHash.startsWith("pbkdf2-");
    const ok = await verifyPassword(
      input.password,
      usable ? user.passwordHash : DECOY_PASSWORD_HASH,
    );
    if (!usable || !ok) {
      services.logger.warn("login failed", { reason: usable ? "password" : "no such user" });
      throw unauthorized("Invalid email or password");
    }
    await forgiveLoginEmail(services, email);
    await enforceSsoRequired(services, user);
    const pending = user.totpEnabledAt !== null;
    const issued = await startSession(services, user, pending, origin);
    setSessionCookie(c, issued, services.clock.now());
    services.logger.info("login", { user_id: user.id, pending_totp: pending });
    return c.json(
      {
        totp_required: pending,
        csrf_token: issued.csrfToken,
        expires_at: new Date(issued.expiresAt).toISOString(),
        ...(pending ? {} : { user: toUser({ ...user, lastLoginAt: services.clock.now() }) }),
      },
      200,
    );
  });
