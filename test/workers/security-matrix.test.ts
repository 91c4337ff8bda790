/**
 * Security matrix: every operator route in the OpenAPI document, called as every kind of
 * principal, must answer the status its auth and tenancy rules imply. Routes are enumerated from
 * /api/v1/openapi.json, so a route added later is covered without touching this file — unless
 * its required scope cannot be determined, which fails loudly (declare it in the route's
 * `security` with `operatorSecurity("<scope>")`).
 *
 * Ids in paths are random but well-formed: the point is authentication and tenancy, not the
 * resource, so authorised callers get 404 for them.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../src/auth/crypto";
import { ROLE_SCOPES, SCOPES, type Scope } from "../../src/auth/scopes";
import type { Role } from "../../src/db/schema";
import { ENTITY_NAME } from "../../src/domain/config/specs";
import {
  type CallOptions,
  type CallResult,
  call,
  createApiKey,
  createProject,
  createTenant,
  keyForRole,
  type Tenant,
} from "./harness";
import { asUser, type Session, signedInUser } from "./sessions";

interface Operation {
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{
    name: string;
    in: string;
    required?: boolean;
    schema?: { format?: string; pattern?: string };
  }>;
  requestBody?: unknown;
}

/** Not operator routes: node credentials, enrollment tokens, webhooks, sign-in, public meta. */
const EXCLUDED_TAGS = new Set(["Node API", "Meta", "Auth"]);
const EXCLUDED_PATHS = [/\/nodes\/register$/, /^\/api\/v1\/webhooks\//, /^\/api\/v1\/nodes\//];

/**
 * Scope by tag when a route does not list one in its security requirement: reads need the
 * first, everything else the second (the scope model of spec/api.md).
 */
const TAG_SCOPES: Record<string, [Scope, Scope]> = {
  Projects: ["projects:read", "projects:write"],
  Notifications: ["projects:read", "projects:write"],
  "Enrollment tokens": ["nodes:read", "nodes:write"],
  Nodes: ["nodes:read", "nodes:write"],
  Bundles: ["bundles:read", "bundles:write"],
  "Signing keys": ["bundles:read", "bundles:write"],
  Rollouts: ["rollouts:read", "rollouts:write"],
  Audit: ["audit:read", "audit:read"],
  "API keys": ["api_keys:admin", "api_keys:admin"],
  Live: ["projects:read", "projects:read"],
};

/** Routes whose scope differs from their tag's convention (the intended policy, stated here). */
const SCOPE_OVERRIDES: Record<string, Scope> = {
  // Rotating the signing key changes trust for the whole project, not just its bundles.
  "POST /api/v1/projects/{project}/signing-keys/rotate": "projects:write",
};

/** Routes any authenticated operator may call (they show the caller its own data). */
const ANY_PRINCIPAL = new Set(["GET /api/v1/orgs"]);

/**
 * Reads that cannot answer 2xx to a plain request from an authorised caller; the statuses they
 * give instead (still never 401/403/404).
 */
const AUTHORISED_READ_STATUS: Record<string, number[]> = {
  // Needs a WebSocket upgrade; without one it is a 400 after authentication.
  "GET /api/v1/projects/{project}/live": [400],
};

/**
 * Headers that make an anonymous request reach the credential check on routes that look at
 * something else first.
 */
const ANONYMOUS_HEADERS: Record<string, Record<string, string>> = {
  // Refuses non-WebSocket requests (400) before authenticating; with the upgrade header an
  // anonymous caller without a ticket must be 401.
  "GET /api/v1/projects/{project}/live": { upgrade: "websocket" },
};

type Rule = { kind: "scope"; scope: Scope } | { kind: "any" } | { kind: "users-only" };

interface Route {
  id: string;
  method: string;
  path: string;
  op: Operation;
  rule: Rule;
  mutation: boolean;
  tenantParam: "project" | "org" | null;
  hasRandomIds: boolean;
}

function ruleOf(id: string, method: string, op: Operation): Rule {
  const security = op.security ?? [];
  const bearer = security.find((s) => "bearerAuth" in s);
  if (!bearer) {
    if (security.some((s) => "sessionCookie" in s)) {
      return { kind: "users-only" };
    }
    throw new Error(`${id}: no operator security declared`);
  }
  const declared = bearer.bearerAuth ?? [];
  const known = new Set<string>(SCOPES);
  const scope = declared.find((s): s is Scope => known.has(s));
  if (scope) {
    return { kind: "scope", scope };
  }
  if (SCOPE_OVERRIDES[id]) {
    return { kind: "scope", scope: SCOPE_OVERRIDES[id] };
  }
  if (ANY_PRINCIPAL.has(id)) {
    return { kind: "any" };
  }
  const pair = TAG_SCOPES[op.tags?.[0] ?? ""];
  if (!pair) {
    throw new Error(`${id}: cannot tell its scope; declare it with operatorSecurity("<scope>")`);
  }
  return { kind: "scope", scope: method === "GET" ? pair[0] : pair[1] };
}

const doc = (await call("GET", "/api/v1/openapi.json")).body as {
  paths: Record<string, Record<string, Operation>>;
};

const routes: Route[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).flatMap(([m, op]) => {
    const method = m.toUpperCase();
    const id = `${method} ${path}`;
    if (
      !op.security ||
      op.tags?.some((t) => EXCLUDED_TAGS.has(t)) ||
      EXCLUDED_PATHS.some((re) => re.test(path))
    ) {
      return [];
    }
    const pathParams = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
    return [
      {
        id,
        method,
        path,
        op,
        rule: ruleOf(id, method, op),
        mutation: method !== "GET",
        tenantParam: pathParams.includes("project")
          ? "project"
          : pathParams.includes("org")
            ? "org"
            : null,
        hasRandomIds: pathParams.some((n) => n !== "project" && n !== "org"),
      } satisfies Route,
    ];
  }),
);

/** A well-formed value for a path or query parameter that names nothing that exists. */
function randomValue(
  route: Route,
  name: string,
  schema: { format?: string; pattern?: string } = {},
) {
  if (schema.format === "uuid") {
    return crypto.randomUUID();
  }
  if (schema.pattern === "^[0-9a-f]{64}$") {
    return toHex(crypto.getRandomValues(new Uint8Array(32)));
  }
  if (schema.pattern === ENTITY_NAME.source) {
    return `n-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`;
  }
  throw new Error(
    `${route.id}: no random value for parameter '${name}' (${JSON.stringify(schema)})`,
  );
}

function urlFor(route: Route, tenant: { slug: string; orgSlug: string }): string {
  let url = route.path;
  const query = new URLSearchParams();
  for (const p of route.op.parameters ?? []) {
    if (p.in === "path") {
      const value =
        p.name === "project"
          ? tenant.slug
          : p.name === "org"
            ? tenant.orgSlug
            : randomValue(route, p.name, p.schema);
      url = url.replace(`{${p.name}}`, encodeURIComponent(value));
    } else if (p.in === "query" && p.required) {
      query.set(p.name, randomValue(route, p.name, p.schema));
    }
  }
  return query.size > 0 ? `${url}?${query}` : url;
}

interface World {
  t: Tenant & { orgSlug: string };
  other: Tenant;
  keys: Record<Role, string>;
  users: Record<Role, Session>;
  otherAdminUser: Session;
  otherProjectKey: string;
}

let world: World;

beforeAll(async () => {
  const t = await createTenant();
  const other = await createTenant();
  const orgSlug = (
    await env.DB.prepare("SELECT slug FROM orgs WHERE id = ?")
      .bind(t.orgId)
      .first<{ slug: string }>()
  )?.slug as string;
  const sibling = await createProject(t.orgId);
  const roles: Role[] = ["reader", "operator", "admin"];
  const keys = Object.fromEntries(
    await Promise.all(roles.map(async (r) => [r, await keyForRole(t.orgId, r)])),
  ) as Record<Role, string>;
  const users = Object.fromEntries(
    await Promise.all(roles.map(async (r) => [r, (await signedInUser(t.orgId, r)).session])),
  ) as Record<Role, Session>;
  world = {
    t: { ...t, orgSlug },
    other,
    keys,
    users,
    otherAdminUser: (await signedInUser(other.orgId, "admin")).session,
    otherProjectKey: await createApiKey({
      orgId: t.orgId,
      scopes: [...SCOPES],
      projectId: sibling.projectId,
    }),
  };
});

/** Sends the route's request (an empty JSON body when it takes one) as `who`. */
function send(route: Route, who: CallOptions): Promise<CallResult> {
  const opts: CallOptions = route.op.requestBody ? { ...who, body: {} } : who;
  return call(route.method, urlFor(route, world.t), opts);
}

const describeResult = (route: Route, who: string, res: CallResult) =>
  `${route.id} as ${who}: ${res.status} ${res.text.slice(0, 200)}`;

/** What an authorised caller must get: the route ran past authentication and tenancy. */
function expectAuthorised(route: Route, who: string, res: CallResult) {
  const msg = describeResult(route, who, res);
  expect([401, 403], msg).not.toContain(res.status);
  expect(res.status, msg).toBeLessThan(500);
  if (route.mutation) {
    return;
  }
  const special = AUTHORISED_READ_STATUS[route.id];
  if (special) {
    expect(special, msg).toContain(res.status);
  } else if (route.hasRandomIds) {
    expect(res.status, msg).toBe(404);
  } else {
    expect(res.status >= 200 && res.status < 300, msg).toBe(true);
  }
}

function expectStatus(route: Route, who: string, res: CallResult, status: number) {
  expect(res.status, describeResult(route, who, res)).toBe(status);
  expect(
    (res.body as { error?: { code?: string } })?.error?.code,
    describeResult(route, who, res),
  ).toBeDefined();
}

/** Whether a principal with `scopes` (a user if `user`) may call the route. */
function allowed(route: Route, scopes: ReadonlySet<Scope>, user: boolean): boolean {
  switch (route.rule.kind) {
    case "any":
      return true;
    case "users-only":
      return user;
    case "scope":
      return scopes.has(route.rule.scope);
  }
}

describe("security matrix", () => {
  it("enumerates the operator routes from the OpenAPI document", () => {
    const ids = routes.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "GET /api/v1/projects",
        "GET /api/v1/projects/{project}/audit-logs/verify",
        "POST /api/v1/api-keys",
        "DELETE /api/v1/orgs/{org}/members/{user_id}",
      ]),
    );
    expect(ids.some((id) => id.includes("/auth/") || id.includes("/nodes/register"))).toBe(false);
  });

  describe.each(routes.map((r) => [r.id, r] as const))("%s", (_id, route) => {
    it("is 401 without credentials", async () => {
      const headers = ANONYMOUS_HEADERS[route.id] ?? {};
      expectStatus(route, "anonymous", await send(route, { headers }), 401);
    });

    it.each(["reader", "operator", "admin"] as const)(
      "answers a %s key and user per its scope",
      async (role) => {
        const scopes = ROLE_SCOPES[role];
        const byKey = await send(route, { key: world.keys[role] });
        if (allowed(route, scopes, false)) {
          expectAuthorised(route, `${role} key`, byKey);
        } else {
          expectStatus(route, `${role} key`, byKey, 403);
        }
        const byUser = await send(route, asUser(world.users[role]));
        if (allowed(route, scopes, true)) {
          expectAuthorised(route, `${role} user`, byUser);
        } else {
          expectStatus(route, `${role} user`, byUser, 403);
        }
      },
    );

    it("is 403 for a key holding every scope but the route's", async () => {
      if (route.rule.kind !== "scope") {
        return;
      }
      const missing = route.rule.scope;
      const key = await createApiKey({
        orgId: world.t.orgId,
        scopes: SCOPES.filter((s) => s !== missing),
      });
      expectStatus(route, `key without ${missing}`, await send(route, { key }), 403);
    });

    it("hides the tenant from other orgs and other projects (404)", async () => {
      if (route.tenantParam === null) {
        return;
      }
      expectStatus(
        route,
        "other org's admin key",
        await send(route, { key: world.other.adminKey }),
        404,
      );
      expectStatus(
        route,
        "other org's admin user",
        await send(route, asUser(world.otherAdminUser)),
        404,
      );
      expectStatus(
        route,
        "key of a sibling project",
        await send(route, { key: world.otherProjectKey }),
        404,
      );
    });

    it("needs the CSRF token for cookie mutations (403)", async () => {
      if (!route.mutation) {
        return;
      }
      const res = await send(route, asUser(world.users.admin, { csrf: false }));
      expectStatus(route, "admin user without CSRF", res, 403);
    });
  });
});

describe("escalation and tamper evidence", () => {
  it("refuses a key with scopes beyond the creator's, or outside its project", async () => {
    const limited = await createApiKey({
      orgId: world.t.orgId,
      scopes: ["api_keys:admin", "bundles:read"],
      projectId: world.t.projectId,
    });
    for (const body of [
      { name: "wider", scopes: ["bundles:read", "bundles:write"], project: world.t.slug },
      { name: "org-wide", scopes: ["bundles:read"] },
    ]) {
      expectStatus(
        routes.find((r) => r.id === "POST /api/v1/api-keys") as Route,
        "project-limited key",
        await call("POST", "/api/v1/api-keys", { key: limited, body }),
        403,
      );
    }
  });

  it("makes verify fail at an edited entry, a deleted entry and a truncated head", async () => {
    const t = await createTenant();
    for (let i = 0; i < 4; i++) {
      await call("POST", "/api/v1/api-keys", {
        key: t.adminKey,
        body: { name: `k${i}`, scopes: ["projects:read"], project: t.slug },
      });
    }
    const verify = async () =>
      (await call("GET", `/api/v1/projects/${t.slug}/audit-logs/verify`, { key: t.adminKey }))
        .body as { valid: boolean; first_invalid_seq: number | null };
    expect((await verify()).valid).toBe(true);
    await env.DB.prepare("DELETE FROM audit_logs WHERE chain = ? AND seq = 4")
      .bind(t.projectId)
      .run();
    expect(await verify()).toMatchObject({ valid: false, first_invalid_seq: 4 });
    await env.DB.prepare("DELETE FROM audit_logs WHERE chain = ? AND seq = 2")
      .bind(t.projectId)
      .run();
    expect(await verify()).toMatchObject({ valid: false, first_invalid_seq: 3 });
    await env.DB.prepare("UPDATE audit_logs SET actor_id = 'x' WHERE chain = ? AND seq = 1")
      .bind(t.projectId)
      .run();
    expect(await verify()).toMatchObject({ valid: false, first_invalid_seq: 1 });
  });
});
