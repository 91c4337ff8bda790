import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { memberships, users } from "../../db/schema";
import { conflict, errorResponses, notFound, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { requireOrgScope } from "../middleware/require-org-scope";
import { operatorSecurity } from "../security";
import { assertCanManageRole, auditOrg, createAccount, findMember } from "./accounts";
import {
  emailSchema,
  memberSchema,
  orgParam,
  passwordSchema,
  personNameSchema,
  roleSchema,
  toMember,
} from "./schema";

const body = z
  .object({
    email: emailSchema,
    role: roleSchema,
    password: passwordSchema.optional().openapi({
      description: "Set to create a new account; omit to add an existing user",
    }),
    name: personNameSchema.optional().openapi({ description: "For a new account" }),
  })
  .openapi("AddMember");

const route = createRoute({
  method: "post",
  path: "/api/v1/orgs/{org}/members",
  tags: ["Orgs"],
  summary: "Add an existing user by email, or create an account (admins)",
  description:
    "Without `password`, adds the existing user with this email (404 if there is none). With " +
    "`password`, creates a new account (409 if the email is already registered: an existing " +
    "user's password is never set here). You cannot grant a role with scopes you lack.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireOrgScope("api_keys:admin")] as const,
  request: {
    params: orgParam,
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "Added", content: { "application/json": { schema: memberSchema } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/orgs/{org}/members */
export const registerAddMember = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const org = c.get("org");
    const input = c.req.valid("json");
    assertCanManageRole(principal, org.id, input.role);
    let member: Awaited<ReturnType<typeof findMember>>;
    if (input.password !== undefined) {
      member = await createAccount(services, {
        orgId: org.id,
        email: input.email,
        name: input.name ?? input.email.split("@")[0] ?? input.email,
        password: input.password,
        role: input.role,
      });
      await auditOrg(
        services,
        principal,
        org.id,
        "user.created",
        { type: "user", id: member.userId },
        {
          after: { email: member.email, name: member.name },
        },
      );
    } else {
      const user = await services.db.query.users.findFirst({ where: eq(users.email, input.email) });
      if (!user) {
        throw notFound(`User '${input.email}' (send a password to create the account)`);
      }
      const inserted = await services.db
        .insert(memberships)
        .values({
          id: crypto.randomUUID(),
          orgId: org.id,
          userId: user.id,
          role: input.role,
          createdAt: services.clock.now(),
        })
        .onConflictDoNothing()
        .returning({ id: memberships.id });
      if (inserted.length === 0) {
        throw conflict(`'${input.email}' is already a member of '${org.slug}'`, [
          { path: "email", message: "already a member" },
        ]);
      }
      member = await findMember(services, org.id, user.id);
    }
    if (!member) {
      throw new Error("membership missing right after it was created");
    }
    await auditOrg(
      services,
      principal,
      org.id,
      "member.added",
      { type: "user", id: member.userId },
      {
        after: { email: member.email, role: member.role },
      },
    );
    return c.json(toMember(member), 201);
  });
