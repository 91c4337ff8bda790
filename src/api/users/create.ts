import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, operatorErrors } from "../errors";
import type { App } from "../hono";
import { requirePrincipal } from "../middleware/operator-auth";
import { resolveOrgForScope } from "../middleware/require-org-scope";
import { requireScope } from "../middleware/require-scope";
import { assertCanManageRole, auditOrg, createAccount } from "../orgs/accounts";
import {
  emailSchema,
  memberSchema,
  passwordSchema,
  personNameSchema,
  roleSchema,
  toMember,
} from "../orgs/schema";
import { operatorSecurity } from "../security";

const body = z
  .object({
    email: emailSchema,
    name: personNameSchema,
    password: passwordSchema,
    role: roleSchema,
    org: z.string().max(64).optional().openapi({
      description: "Org slug; may be omitted when you administer exactly one org",
    }),
  })
  .openapi("CreateUser");

const created = memberSchema
  .extend({ org: z.string().openapi({ example: "default" }) })
  .openapi("CreatedUser");

const route = createRoute({
  method: "post",
  path: "/api/v1/users",
  tags: ["Orgs"],
  summary: "Create a user account in one of your orgs (admins)",
  description:
    "Creates the account and its membership together. 409 if the email is already registered " +
    "(add existing users with POST /api/v1/orgs/{org}/members). You cannot grant a role with " +
    "scopes you lack.",
  security: operatorSecurity("api_keys:admin"),
  middleware: [requireScope("api_keys:admin")] as const,
  request: { body: { required: true, content: { "application/json": { schema: body } } } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: created } } },
    ...operatorErrors,
    409: errorResponses[409],
  },
});

/** POST /api/v1/users */
export const registerCreateUser = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const principal = requirePrincipal(c.get("principal"));
    const input = c.req.valid("json");
    const org = await resolveOrgForScope(services, principal, input.org, "api_keys:admin");
    assertCanManageRole(principal, org.id, input.role);
    const member = await createAccount(services, {
      orgId: org.id,
      email: input.email,
      name: input.name,
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
        after: { email: member.email, name: member.name, role: member.role },
      },
    );
    return c.json({ ...toMember(member), org: org.slug }, 201);
  });
