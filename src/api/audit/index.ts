import type { App } from "../hono";
import { registerListAuditLogs } from "./list";
import { registerVerifyAuditLogs } from "./verify";

/** Audit routes. */
export function registerAuditRoutes(app: App): void {
  registerVerifyAuditLogs(app);
  registerListAuditLogs(app);
}
