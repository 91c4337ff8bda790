import type { App } from "../hono";
import { registerListOrgAuditLogs } from "./audit-list";
import { registerVerifyOrgAuditLogs } from "./audit-verify";
import { registerCreateOrg } from "./create";
import { registerListOrgs } from "./list";
import { registerAddMember } from "./members-add";
import { registerListMembers } from "./members-list";
import { registerRemoveMember } from "./members-remove";
import { registerUpdateMember } from "./members-update";

/** Orgs and their members. */
export function registerOrgRoutes(app: App): void {
  registerListOrgs(app);
  registerCreateOrg(app);
  registerListMembers(app);
  registerAddMember(app);
  registerUpdateMember(app);
  registerRemoveMember(app);
  registerVerifyOrgAuditLogs(app);
  registerListOrgAuditLogs(app);
}
