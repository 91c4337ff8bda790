import { actorOf } from "../../auth/principal";
import type { Services } from "../../services";
import type { UserPrincipal } from "../middleware/require-user";

/**
 * Audits a change to the signed-in user's own account (TOTP on/off) in the org-level chain of
 * every org they belong to: each org's admins can see what happened to their members' security.
 */
export async function auditOwnAccount(
  services: Services,
  user: UserPrincipal,
  action: string,
): Promise<void> {
  await Promise.all(
    [...user.roles.keys()].map((orgId) =>
      services.audit.record({
        orgId,
        projectId: null,
        actor: actorOf(user),
        action,
        resourceType: "user",
        resourceId: user.userId,
        diff: null,
        requestId: services.requestId,
      }),
    ),
  );
}
