import type { App } from "../hono";
import { registerCreateSsoProvider } from "./create";
import { registerDeleteSsoProvider } from "./delete";
import { registerGetSsoProvider } from "./get";
import { registerListSsoProviders } from "./list";
import { registerSsoPolicy } from "./policy";
import { registerUpdateSsoProvider } from "./update";

/** Per-org identity providers (OIDC, SAML 2.0), their role mappings and the SSO policy. */
export function registerSsoProviderRoutes(app: App): void {
  registerListSsoProviders(app);
  registerCreateSsoProvider(app);
  registerGetSsoProvider(app);
  registerUpdateSsoProvider(app);
  registerDeleteSsoProvider(app);
  registerSsoPolicy(app);
}
