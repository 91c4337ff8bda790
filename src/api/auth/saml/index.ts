import type { App } from "../../hono";
import { registerSamlAcs } from "./acs";
import { registerSamlLogin } from "./login";
import { registerSamlMetadata } from "./metadata";

/** SAML 2.0 service provider: SP metadata, sign-in start (HTTP-Redirect), ACS (HTTP-POST). */
export function registerSamlRoutes(app: App): void {
  registerSamlMetadata(app);
  registerSamlLogin(app);
  registerSamlAcs(app);
}
