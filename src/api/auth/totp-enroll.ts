import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { base32Encode, generateTotpSecret, otpauthUri } from "../../auth/totp";
import { users } from "../../db/schema";
import { sealTotpSecret, TOTP_ISSUER } from "../../services/totp";
import { conflict, errorResponses } from "../errors";
import type { App } from "../hono";
import { currentUser, requireUser } from "../middleware/require-user";
import { sessionOnly } from "../security";

const enrolment = z
  .object({
    secret: z.string().openapi({ example: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" }),
    otpauth_uri: z.string().openapi({
      example:
        "otpauth://totp/Zentinel%20Control%20Plane:ops%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Zentinel%20Control%20Plane&algorithm=SHA1&digits=6&period=30",
    }),
  })
  .openapi("TotpEnrolment");

const route = createRoute({
  method: "post",
  path: "/api/v1/auth/totp/enroll",
  tags: ["Auth"],
  summary: "Start TOTP enrolment: a new secret (base32) and otpauth URI",
  description:
    "Not active until POST /api/v1/auth/totp/confirm proves the authenticator has it. Starting " +
    "again before confirming replaces the unconfirmed secret.",
  security: sessionOnly,
  middleware: [requireUser] as const,
  responses: {
    200: {
      description: "The secret, shown once",
      content: { "application/json": { schema: enrolment } },
    },
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
    500: errorResponses[500],
  },
});

/** POST /api/v1/auth/totp/enroll */
export const registerTotpEnroll = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = currentUser(c);
    const secret = generateTotpSecret();
    const sealed = await sealTotpSecret(services, principal.userId, secret);
    // Only an account without an active second factor may (re)start enrolment; the condition
    // is in the UPDATE so an active secret is never overwritten.
    const updated = await services.db
      .update(users)
      .set({ totpSecretEnc: sealed })
      .where(and(eq(users.id, principal.userId), isNull(users.totpEnabledAt)))
      .returning({ id: users.id });
    if (updated.length === 0) {
      throw conflict("TOTP is already enabled; disable it before enrolling a new device");
    }
    return c.json(
      {
        secret: base32Encode(secret),
        otpauth_uri: otpauthUri(secret, principal.email, TOTP_ISSUER),
      },
      200,
    );
  });
