import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { generateRecoveryCodes, hashRecoveryCode } from "../../auth/recovery-codes";
import { users } from "../../db/schema";
import { checkTotpCode } from "../../services/totp";
import { badRequest, conflict, errorResponses } from "../errors";
import type { App } from "../hono";
import { currentUser, requireUser } from "../middleware/require-user";
import { sessionOnly } from "../security";
import { auditOwnAccount } from "./audit-user";
import { limitSecondFactorAttempt } from "./limits";
import { codeSchema } from "./schema";

const body = z.object({ code: codeSchema }).openapi("TotpConfirm");

const confirmed = z
  .object({
    recovery_codes: z.array(z.string()).openapi({
      description: "10 one-time codes, shown only now; each replaces a TOTP code once",
      example: ["k7d2q-x4mfa", "p3rt6-zw2ne"],
    }),
  })
  .openapi("TotpConfirmed");

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/totp/confirm",
  tags: ["Auth"],
  summary: "Activate TOTP with a code from the enrolled authenticator",
  description:
    "Turns on the second factor for every later sign-in and returns 10 recovery codes (stored " +
    "hashed; shown once).",
  security: sessionOnly,
  middleware: [requireUser] as const,
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    200: {
      description: "TOTP is active",
      content: { "application/json": { schema: confirmed } },
    },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
    429: errorResponses[429],
    500: errorResponses[500],
  },
});

/** POST /api/v1/auth/totp/confirm */
export const registerTotpConfirm = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = currentUser(c);
    const { code } = c.req.valid("json");
    const user = await services.db.query.users.findFirst({
      where: eq(users.id, principal.userId),
    });
    if (!user || user.totpEnabledAt !== null) {
      throw conflict("TOTP is already enabled");
    }
    if (user.totpSecretEnc === null) {
      throw conflict("No enrolment in progress; start with POST /api/v1/auth/totp/enroll");
    }
    await limitSecondFactorAttempt(services, user.id);
    if (!(await checkTotpCode(services, user, code))) {
      throw badRequest("The code does not match the enrolled secret", [
        { path: "code", message: "wrong code (check the authenticator's clock)" },
      ]);
    }
    const codes = generateRecoveryCodes();
    const hashes = await Promise.all(codes.map(hashRecoveryCode));
    // Activates exactly the secret that was checked: a concurrent re-enrolment changes
    // totp_secret_enc and makes this update miss.
    const activated = await services.db
      .update(users)
      .set({ totpEnabledAt: services.clock.now(), recoveryCodeHashes: hashes })
      .where(
        and(
          eq(users.id, user.id),
          isNull(users.totpEnabledAt),
          eq(users.totpSecretEnc, user.totpSecretEnc),
        ),
      )
      .returning({ id: users.id });
    if (activated.length === 0) {
      throw conflict("The enrolment changed while confirming; start again");
    }
    await auditOwnAccount(services, principal, "user.totp_enabled");
    return c.json({ recovery_codes: codes }, 200);
  });
