import type { App } from "../../hono";
import { registerCreateCertificate } from "./create";
import { registerDeleteCertificate } from "./delete";
import { registerGetCertificate } from "./get";
import { registerListCertificates } from "./list";
import { registerReplaceCertificate } from "./replace";

/** Certificate routes of the config model. */
export function registerCertificateRoutes(app: App): void {
  registerListCertificates(app);
  registerCreateCertificate(app);
  registerGetCertificate(app);
  registerReplaceCertificate(app);
  registerDeleteCertificate(app);
}
