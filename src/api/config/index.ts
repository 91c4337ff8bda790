import type { App } from "../hono";
import { registerCertificateRoutes } from "./certificates";
import { registerConfigCompile } from "./compile";
import { registerEntityRoutes } from "./entities";
import { registerConfigImport } from "./import";
import { registerConfigPreview } from "./preview";
import { registerSecretRoutes } from "./secrets";
import { registerGetSystem } from "./system/get";
import { registerPutSystem } from "./system/put";

/** The config model: entities, certificates, secrets, the system block. */
export function registerConfigRoutes(app: App): void {
  registerEntityRoutes(app);
  registerCertificateRoutes(app);
  registerSecretRoutes(app);
  registerGetSystem(app);
  registerPutSystem(app);
  registerConfigPreview(app);
  registerConfigCompile(app);
  registerConfigImport(app);
}
