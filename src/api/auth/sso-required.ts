/**
 * "SSO required" at password sign-in: a member of an org that requires SSO cannot sign in with
 * a password, unless they are an admin there — the break-glass path for when the IdP is down or
 * misconfigured, recorded as `auth.break_glass_login` in that org's audit chain.
 */
import { and, eq } from "drizzle-orm";
import { memberships, orgs } from "../../db/schema";
import type { Services } from "../../services";
import type { UserRow } from "../../services/sessions";
import { forbidden } from "../errors";

/**
 * Refuses password sign-in (403) for a non-admin member of any SSO-required org; audits a
 * break-glass sign-in in each SSO-required org where the user is admin. Called after the
 * password was verified, so the refusal reveals nothing to someone without the password.
 */
export async function enforceSsoRequired(services: Services, user: UserRow): Promise<void> {
  const rows = await services.db
    .select({ orgId: orgs.id, slug: orgs.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(orgs, eq(orgs.id, memberships.orgId))
    .where(and(eq(memberships.userId, user.id), eq(orgs.ssoRequired, true)));
  const blocked = rows.filter((r) => r.role !== "admin");
  if (blocked.length > 0) {
    services.logger.warn("password login refused: sso required", { user_id: user.id });
    throw forbidden(
      `${blocked.map((r) => `'${r.slug}'`).join(", ")} requires single sign-on: use "Sign in with SSO"`,
    );
  }
  await Promise.all(
    rows.map((r) =>
      services.audit.record({
        orgId: r.orgId,
        projectId: null,
        actor: { type: "user", id: user.id, label: user.email },
        action: "auth.break_glass_login",
        resourceType: "user",
        resourceId: user.id,
        diff: { method: "password", totp_pending: user.totpEnabledAt !== null },
        requestId: services.requestId,
      }),
    ),
  );
}
