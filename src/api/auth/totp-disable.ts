import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { verifyPassword } from "../../auth/password";
import { users } from "../../db/schema";
import { checkTotpCode } from "../../services/totp";
import { conflict, errorResponses, forbidden } from "../errors";
import type { App } from "../hono";
import { currentUser, requireUser } from "../middleware/require-user";
import { sessionOnly } from "../security";
import { auditOwnAccount } from "./audit-user";
import { limitSecondFactorAttempt } from "./limits";
import { codeSchema } from "./schema";

const body = z
  .object({
    code: codeSchema.optional().openapi({ description: "A current TOTP code" }),
    password: z.string().min(1).max(1024).optional().openapi({ description: "The password" }),
  })
  .refine((b) => b.code !== undefined || b.password !== undefined, {
    message: "send a current TOTP code or the password",
    path: ["code"],
  })
  .openapi("TotpDisable");

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/totp/disable",
  tags: ["Auth"],
  summary: "Turn TOTP off (proved with a current code or the password)",
  description:
    "Removes the secret and every recovery code. When both a code and a password are sent, both " +
    "must be right. Counted against the per-user second-factor limit.",
  security: sessionOnly,
  middleware: [requireUser] as const,
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    204: { description: "TOTP is off" },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

/** POST /api/v1/auth/totp/disable */
export const registerTotpDisable = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = currentUser(c);
    const input = c.req.valid("json");
    const user = await services.db.query.users.findFirst({
      where: eq(users.id, principal.userId),
    });
    if (!user || user.totpEnabledAt === null) {
      throw conflict("TOTP is not enabled");
    }
    await limitSecondFactorAttempt(services, user.id);
    const codeOk = input.code === undefined || (await checkTotpCode(services, user, input.code));
    const passwordOk =
      input.password === undefined || (await verifyPassword(input.password, user.passwordHash));
    if (!codeOk || !passwordOk) {
      throw forbidden("The code or password is incorrect");
    }
    await services.db
      .update(users)
      .set({ totpSecretEnc: null, totpEnabledAt: null, recoveryCodeHashes: [] })
      .where(eq(users.id, user.id));
    await auditOwnAccount(services, principal, "user.totp_disabled");
    return c.body(null, 204);
  });
