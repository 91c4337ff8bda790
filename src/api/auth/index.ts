import type { App } from "../hono";
import { registerLogin } from "./login";
import { registerLogout } from "./logout";
import { registerMe } from "./me";
import { registerSamlRoutes } from "./saml";
import { registerSsoCallback } from "./sso/callback";
import { registerSsoDiscover } from "./sso/discover";
import { registerSsoStart } from "./sso/start";
import { registerTotpConfirm } from "./totp-confirm";
import { registerTotpDisable } from "./totp-disable";
import { registerTotpEnroll } from "./totp-enroll";
import { registerTotpSignIn } from "./totp-verify";

/** Dashboard sign-in: sessions, the TOTP step, TOTP enrolment, OIDC and SAML single sign-on. */
export function registerAuthRoutes(app: App): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "zcp_session",
    description:
      "Dashboard session from POST /api/v1/auth/login. Mutations must also send the session's " +
      "CSRF token in X-CSRF-Token.",
  });
  registerLogin(app);
  registerTotpSignIn(app);
  registerLogout(app);
  registerMe(app);
  registerTotpEnroll(app);
  registerTotpConfirm(app);
  registerTotpDisable(app);
  registerSsoDiscover(app);
  registerSsoStart(app);
  registerSsoCallback(app);
  registerSamlRoutes(app);
}
