/**
 * The end of every SSO sign-in, whatever the protocol: an identity an org's IdP vouched for
 * (already verified by the OIDC or SAML code) becomes a user, a role in that org and a session
 * cookie — the same cookie as password sign-in.
 *
 * Rules (docs/auth-and-tenancy.md "Single sign-on"):
 * - the provider must belong to the org and be enabled; the email must be verified and in the
 *   provider's allowed domains (when it lists any);
 * - the role is the most powerful one mapped from the identity's groups, else the provider's
 *   default role; none → no access (and a membership this provider provisioned is removed);
 * - first sign-in creates the user just in time (no usable password) or links an existing
 *   account with the same email, but only one whose memberships are all in this org: an org's
 *   IdP must never be able to sign in a person who also belongs to other tenants;
 * - a membership the provider provisioned follows the mapping at every sign-in; one an admin
 *   created by hand keeps its role;
 * - TOTP is not asked: the IdP is the second factor's owner for these sessions.
 */

import { and, eq, ne } from "drizzle-orm";
import type { Context } from "hono";
import type { Actor } from "../../auth/principal";
import { memberships, type Role, ssoIdentities, users } from "../../db/schema";
import { emailDomainAllowed, resolveSsoRole, safeReturnTo } from "../../domain/sso";
import type { Services } from "../../services";
import {
  type IssuedSession,
  type SessionOrigin,
  startSession,
  type UserRow,
} from "../../services/sessions";
import { requestOrigin, setSessionCookie } from "../auth/session-auth";
import { ApiError, conflict, forbidden } from "../errors";
import type { AppEnv } from "../hono";
import { KEEPS_AN_ADMIN_SQL } from "../orgs/accounts";
import { loadProvider } from "./providers";

/**
 * Stored as the password hash of users created by SSO: not a `pbkdf2-sha256$…` string, so no
 * password ever matches it (password sign-in treats such accounts like unknown ones).
 */
export const SSO_ONLY_PASSWORD_HASH = "sso-only";

/** An identity an org's identity provider vouched for, after protocol verification. */
export interface ExternalIdentity {
  /** The org whose provider signed the user in. */
  orgId: string;
  /** The provider (sso_providers.id) that verified the identity. */
  providerId: string;
  /** The IdP's stable subject: OIDC `sub`, SAML NameID. */
  subject: string;
  email: string;
  /** The IdP's statement that it verified the email; `false` is refused, absent is trusted. */
  emailVerified?: boolean;
  /** Display name for a user created now. */
  name?: string | null;
  /** Group names (or other claim values) the role mapping is applied to. */
  groups: readonly string[];
}

/** A completed SSO sign-in. */
export interface SsoSignIn {
  user: UserRow;
  /** The user's role in the org now. */
  role: Role;
  /** The new session (cookie token, CSRF token, expiry). */
  session: IssuedSession;
  /** True when this sign-in created the user (just-in-time provisioning). */
  userCreated: boolean;
}

/** Longest subject stored (OIDC caps `sub` at 255 ASCII characters). */
const MAX_SUBJECT_CHARS = 1024;

function selfActor(user: { id: string; email: string }): Actor {
  return { type: "user", id: user.id, label: user.email };
}

/**
 * Turns a verified external identity into a user, a role in the org and a new session
 * (not yet a cookie: see {@link finishSsoLogin}). Throws ApiError 403 when the identity may not
 * sign in (disabled provider or user, unverified or foreign email domain, no mapped role) and
 * 409 when its email belongs to an account that is also a member of other orgs.
 */
export async function completeSsoLogin(
  services: Services,
  identity: ExternalIdentity,
  origin: SessionOrigin,
): Promise<SsoSignIn> {
  const provider = await loadProvider(services, identity.orgId, identity.providerId);
  if (!provider.enabled) {
    throw forbidden(`The SSO provider '${provider.name}' is disabled`);
  }
  const email = identity.email.trim().toLowerCase();
  if (identity.subject === "" || identity.subject.length > MAX_SUBJECT_CHARS) {
    throw new ApiError("UNAUTHORIZED", "The identity provider sent no usable subject");
  }
  if (identity.emailVerified === false) {
    throw forbidden("The identity provider has not verified this email address");
  }
  if (!emailDomainAllowed(email, provider.emailDomains)) {
    throw forbidden(
      `'${email}' is not in the email domains this SSO provider accepts (${provider.emailDomains.join(", ")})`,
    );
  }
  const role = resolveSsoRole(identity.groups, provider.roleMappings, provider.defaultRole);
  const { db } = services;
  const now = services.clock.now();

  const linked = await db.query.ssoIdentities.findFirst({
    where: and(
      eq(ssoIdentities.providerId, provider.id),
      eq(ssoIdentities.subject, identity.subject),
    ),
  });
  let user = linked
    ? await db.query.users.findFirst({ where: eq(users.id, linked.userId) })
    : await db.query.users.findFirst({ where: eq(users.email, email) });
  if (!linked && user) {
    const elsewhere = await db.query.memberships.findFirst({
      where: and(eq(memberships.userId, user.id), ne(memberships.orgId, identity.orgId)),
    });
    if (elsewhere) {
      throw conflict(
        `An account with the email '${email}' also belongs to other orgs, so this org's ` +
          "identity provider cannot sign it in. Sign in with your password instead.",
      );
    }
  }
  if (role === null) {
    if (user) {
      await revokeManagedMembership(services, identity, user, provider.id);
    }
    throw forbidden(
      `None of your identity provider groups is mapped to a role in this org (groups: ${identity.groups.join(", ") || "none"})`,
    );
  }
  if (user?.disabledAt != null) {
    throw forbidden("This account is disabled");
  }
  let userCreated = false;
  if (!user) {
    const id = crypto.randomUUID();
    await db
      .insert(users)
      .values({
        id,
        email,
        name: identity.name?.trim().slice(0, 100) || (email.split("@")[0] ?? email),
        passwordHash: SSO_ONLY_PASSWORD_HASH,
        recoveryCodeHashes: [],
        createdAt: now,
      })
      .onConflictDoNothing();
    user = await db.query.users.findFirst({ where: eq(users.email, email) });
    if (!user) {
      throw new Error("user missing right after it was created");
    }
    userCreated = user.id === id;
  }
  await db
    .insert(ssoIdentities)
    .values({
      id: crypto.randomUUID(),
      providerId: provider.id,
      subject: identity.subject,
      userId: user.id,
      email,
      createdAt: now,
      lastLoginAt: now,
    })
    .onConflictDoUpdate({
      target: [ssoIdentities.providerId, ssoIdentities.subject],
      set: { email, lastLoginAt: now },
    });
  const finalRole = await syncMembership(services, identity, user, role);
  const session = await startSession(services, user, false, origin);
  const actor = selfActor(user);
  if (userCreated) {
    await services.audit.record({
      orgId: identity.orgId,
      projectId: null,
      actor,
      action: "user.created",
      resourceType: "user",
      resourceId: user.id,
      diff: { after: { email, name: user.name, via: "sso", provider_id: provider.id } },
      requestId: services.requestId,
    });
  }
  await services.audit.record({
    orgId: identity.orgId,
    projectId: null,
    actor,
    action: "auth.sso_login",
    resourceType: "user",
    resourceId: user.id,
    diff: {
      provider_id: provider.id,
      provider: provider.name,
      subject: identity.subject,
      groups: [...identity.groups].slice(0, 50),
      role: finalRole,
      user_created: userCreated,
    },
    requestId: services.requestId,
  });
  return { user: { ...user, lastLoginAt: now }, role: finalRole, session, userCreated };
}

/**
 * Applies the mapped role to the user's membership: creates it (managed by the provider),
 * updates a managed one, leaves a hand-made one alone. The last admin is never demoted.
 * Returns the role the user holds afterwards.
 */
async function syncMembership(
  services: Services,
  identity: ExternalIdentity,
  user: UserRow,
  role: Role,
): Promise<Role> {
  const { db, d1 } = services;
  const existing = await db.query.memberships.findFirst({
    where: and(eq(memberships.orgId, identity.orgId), eq(memberships.userId, user.id)),
  });
  const actor = selfActor(user);
  const audit = (action: string, diff: Record<string, unknown>) =>
    services.audit.record({
      orgId: identity.orgId,
      projectId: null,
      actor,
      action,
      resourceType: "user",
      resourceId: user.id,
      diff: { ...diff, via: "sso", provider_id: identity.providerId },
      requestId: services.requestId,
    });
  if (!existing) {
    const inserted = await db
      .insert(memberships)
      .values({
        id: crypto.randomUUID(),
        orgId: identity.orgId,
        userId: user.id,
        role,
        managedByProviderId: identity.providerId,
        createdAt: services.clock.now(),
      })
      .onConflictDoNothing()
      .returning({ role: memberships.role });
    if (inserted[0]) {
      await audit("member.added", { after: { email: user.email, role } });
      return role;
    }
    // A concurrent sign-in created it; fall through to the row it wrote.
    const raced = await db.query.memberships.findFirst({
      where: and(eq(memberships.orgId, identity.orgId), eq(memberships.userId, user.id)),
    });
    return raced?.role ?? role;
  }
  if (existing.managedByProviderId !== identity.providerId || existing.role === role) {
    return existing.role;
  }
  const guard = role === "admin" ? "1 = 1" : KEEPS_AN_ADMIN_SQL;
  const result = await d1
    .prepare(`UPDATE memberships SET role = ? WHERE id = ? AND ${guard}`)
    .bind(role, existing.id)
    .run();
  if (result.meta.changes !== 1) {
    services.logger.warn("sso role sync kept the last admin", { user_id: user.id });
    return existing.role;
  }
  await audit("member.role_changed", { before: { role: existing.role }, after: { role } });
  return role;
}

/** Removes the membership the provider provisioned when the user's groups no longer map. */
async function revokeManagedMembership(
  services: Services,
  identity: ExternalIdentity,
  user: UserRow,
  providerId: string,
): Promise<void> {
  const result = await services.d1
    .prepare(
      `DELETE FROM memberships WHERE org_id = ? AND user_id = ? AND managed_by_provider_id = ?
       AND ${KEEPS_AN_ADMIN_SQL}`,
    )
    .bind(identity.orgId, user.id, providerId)
    .run();
  if (result.meta.changes === 1) {
    await services.audit.record({
      orgId: identity.orgId,
      projectId: null,
      actor: selfActor(user),
      action: "member.removed",
      resourceType: "user",
      resourceId: user.id,
      diff: { before: { email: user.email }, via: "sso", reason: "no mapped group" },
      requestId: services.requestId,
    });
  }
}

/**
 * HTTP end of an SSO sign-in (the OIDC callback and the SAML ACS call this): completes the
 * login, sets the `zcp_session` cookie and sends the browser to `returnTo` (a same-origin path;
 * anything else becomes `/`) with 303, so a POSTed assertion is not re-posted.
 */
export async function finishSsoLogin(
  c: Context<AppEnv>,
  identity: ExternalIdentity,
  returnTo: string | null | undefined,
): Promise<Response> {
  const services = c.get("services");
  const done = await completeSsoLogin(services, identity, requestOrigin(c));
  setSessionCookie(c, done.session, services.clock.now());
  services.logger.info("sso login", {
    user_id: done.user.id,
    org_id: identity.orgId,
    provider_id: identity.providerId,
    role: done.role,
    user_created: done.userCreated,
  });
  return c.redirect(safeReturnTo(returnTo), 303);
}
