import type { App } from "../hono";
import { registerExportAuditLogs } from "./export";
import { registerListAuditLogs } from "./list";
import { registerVerifyAuditLogs } from "./verify";

/** Audit routes. */
export function registerAuditRoutes(app: App): void {
  registerVerifyAuditLogs(app);
  registerExportAuditLogs(app);
  registerListAuditLogs(app);
}
