import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { hashPassword } from "../../src/auth/password";
import { ROLE_SCOPES, SCOPES, type Scope } from "../../src/auth/scopes";
import { mintSecret } from "../../src/auth/tokens";
import type { Role } from "../../src/db/schema";

/** A fresh org + project with helpers to mint credentials in it. Ids and slugs are unique per call. */
export interface Tenant {
  orgId: string;
  projectId: string;
  slug: string;
  /** An API key with every scope, for the org. */
  adminKey: string;
}

let counter = 0;
const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Creates an org and a project directly in D1 (test fixtures, not the system under test). */
export async function createTenant(): Promise<Tenant> {
  const orgId = crypto.randomUUID();
  const projectId = crypto.randomUUID();
  const slug = unique("p");
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO orgs (id, slug, name, created_at) VALUES (?,?,?,?)").bind(
      orgId,
      unique("o"),
      "Test org",
      now,
    ),
    env.DB.prepare(
      "INSERT INTO projects (id, org_id, slug, name, settings, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
    ).bind(projectId, orgId, slug, `Project ${slug}`, "{}", now, now),
  ]);
  const adminKey = await createApiKey({ orgId, scopes: [...SCOPES] });
  return { orgId, projectId, slug, adminKey };
}

/** Adds another project to an existing org. */
export async function createProject(orgId: string): Promise<{ projectId: string; slug: string }> {
  const projectId = crypto.randomUUID();
  const slug = unique("p");
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO projects (id, org_id, slug, name, settings, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
  )
    .bind(projectId, orgId, slug, `Project ${slug}`, "{}", now, now)
    .run();
  return { projectId, slug };
}

/** Mints an API key row and returns the clear key. */
export async function createApiKey(opts: {
  orgId: string;
  scopes: Scope[];
  projectId?: string | null;
  expiresAt?: number | null;
  revokedAt?: number | null;
}): Promise<string> {
  const secret = await mintSecret("zcp_");
  await env.DB.prepare(
    `INSERT INTO api_keys (id, org_id, project_id, name, prefix, key_hash, scopes, expires_at, revoked_at, created_at)
     VALUES (?,?,?,?,?,?,?,?,?,?)`,
  )
    .bind(
      crypto.randomUUID(),
      opts.orgId,
      opts.projectId ?? null,
      "test key",
      secret.prefix,
      secret.hash,
      JSON.stringify(opts.scopes),
      opts.expiresAt ?? null,
      opts.revokedAt ?? null,
      Date.now(),
    )
    .run();
  return secret.value;
}

/** An API key with the scopes of a role (reader/operator/admin). */
export function keyForRole(orgId: string, role: Role, projectId?: string): Promise<string> {
  return createApiKey({ orgId, scopes: [...ROLE_SCOPES[role]], projectId: projectId ?? null });
}

/** Creates a user with a membership; returns credentials. */
export async function createUser(
  orgId: string,
  role: Role,
): Promise<{ userId: string; email: string; password: string }> {
  const userId = crypto.randomUUID();
  const email = `${unique("u")}@example.com`;
  const password = `pw-${unique("x")}-secret`;
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO users (id, email, name, password_hash, recovery_code_hashes, created_at) VALUES (?,?,?,?,?,?)",
    ).bind(userId, email, "Test user", await hashPassword(password), "[]", now),
    env.DB.prepare(
      "INSERT INTO memberships (id, org_id, user_id, role, created_at) VALUES (?,?,?,?,?)",
    ).bind(crypto.randomUUID(), orgId, userId, role, now),
  ]);
  return { userId, email, password };
}

/** Options for `call`. */
export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Raw body (sent as-is, e.g. malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** "manual" returns redirects (3xx) as they are instead of following them. */
  redirect?: RequestRedirect;
}

/** A parsed response: status, headers and JSON body (null when empty or not JSON). */
export interface CallResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Calls the Worker's fetch handler (the real app, middleware and all). */
export async function call<T = any>(
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<CallResult<T>> {
  const headers = new Headers(opts.headers);
  if (opts.key) {
    headers.set("authorization", `Bearer ${opts.key}`);
  }
  let body: string | undefined;
  if (opts.rawBody !== undefined) {
    body = opts.rawBody;
    if (!headers.has("content-type")) {
      headers.set("content-type", "application/json");
    }
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers.set("content-type", "application/json");
  }
  const res = await exports.default.fetch(
    new Request(`http://zcp.test${path}`, {
      method,
      headers,
      body,
      ...(opts.redirect ? { redirect: opts.redirect } : {}),
    }),
  );
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** Asserts the standard error envelope and returns it. */
export function expectEnvelope(res: CallResult, status: number, code: string) {
  const ctx = `${res.status} ${res.text}`;
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${ctx}`);
  }
  const body = res.body as {
    error?: { code?: string; request_id?: string; message?: string };
  } | null;
  if (
    !body?.error ||
    body.error.code !== code ||
    typeof body.error.request_id !== "string" ||
    !body.error.message
  ) {
    throw new Error(`expected envelope with code ${code}, got ${ctx}`);
  }
  if (res.headers.get("x-request-id") !== body.error.request_id) {
    throw new Error(`X-Request-Id header does not match the envelope: ${ctx}`);
  }
  return body.error as {
    code: string;
    message: string;
    request_id: string;
    details?: Array<{ path?: string; message: string }>;
  };
}
