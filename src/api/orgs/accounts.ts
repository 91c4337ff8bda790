/** Shared rules for managing users and memberships (POST /users and the members routes). */
import { and, eq } from "drizzle-orm";
import { hashPassword } from "../../auth/password";
import { actorOf, type Principal, scopesIn } from "../../auth/principal";
import { isSubset, ROLE_SCOPES } from "../../auth/scopes";
import { memberships, type Role, users } from "../../db/schema";
import type { Services } from "../../services";
import { conflict, forbidden } from "../errors";
import type { MemberRow } from "./schema";

/**
 * No escalation through people: a principal may grant, change or remove a role only if that
 * role's scopes lie within its own scopes in the org. Admin users hold every scope; an org-wide
 * API key with `api_keys:admin` can manage exactly the roles its scopes cover.
 */
export function assertCanManageRole(principal: Principal, orgId: string, role: Role): void {
  if (!isSubset(ROLE_SCOPES[role], scopesIn(principal, orgId, null))) {
    throw forbidden(`You cannot grant or manage the role '${role}': it has scopes you lack`);
  }
}

/** A member of `orgId`, joined with the user. */
export async function findMember(
  services: Services,
  orgId: string,
  userId: string,
): Promise<MemberRow | undefined> {
  const rows = await services.db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      totpEnabledAt: users.totpEnabledAt,
      createdAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  return rows[0];
}

/** Input for a new account. */
export interface NewAccount {
  orgId: string;
  email: string;
  name: string;
  password: string;
  role: Role;
}

/**
 * Creates a user and their membership in one batch. The membership insert selects the new user
 * row, so if the email is taken (the user insert does nothing) no membership is created either,
 * even when two requests race. 409 when the email is taken.
 */
export async function createAccount(services: Services, input: NewAccount): Promise<MemberRow> {
  const { d1, clock } = services;
  const now = clock.now();
  const userId = crypto.randomUUID();
  const passwordHash = await hashPassword(input.password);
  const [inserted] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO users (id, email, name, password_hash, recovery_code_hashes, created_at)
         VALUES (?, ?, ?, ?, '[]', ?) ON CONFLICT(email) DO NOTHING`,
      )
      .bind(userId, input.email, input.name, passwordHash, now),
    d1
      .prepare(
        `INSERT INTO memberships (id, org_id, user_id, role, created_at)
         SELECT ?, ?, id, ?, ? FROM users WHERE id = ?`,
      )
      .bind(crypto.randomUUID(), input.orgId, input.role, now, userId),
  ]);
  if (inserted?.meta.changes !== 1) {
    throw conflict(`A user with email '${input.email}' already exists`, [
      { path: "email", message: "already registered" },
    ]);
  }
  return {
    userId,
    email: input.email,
    name: input.name,
    role: input.role,
    totpEnabledAt: null,
    createdAt: now,
  };
}

/** Audits an org-level change to people (org chain). */
export function auditOrg(
  services: Services,
  principal: Principal,
  orgId: string,
  action: string,
  resource: { type: string; id: string },
  diff: Record<string, unknown>,
): Promise<void> {
  return services.audit.record({
    orgId,
    projectId: null,
    actor: actorOf(principal),
    action,
    resourceType: resource.type,
    resourceId: resource.id,
    diff,
    requestId: services.requestId,
  });
}

/**
 * Guard for the last-admin rule, as a SQL condition on the membership being changed: the row
 * may lose admin only if it is not admin or another admin remains. Evaluated inside the one
 * UPDATE/DELETE statement, so two admins demoting each other concurrently cannot both succeed.
 */
export const KEEPS_AN_ADMIN_SQL = `(role <> 'admin' OR (SELECT COUNT(*) FROM memberships m2
  WHERE m2.org_id = memberships.org_id AND m2.role = 'admin') > 1)`;
