import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { timingSafeEqual } from "../../auth/crypto";
import { hashSecret, mintNodeKey } from "../../auth/tokens";
import { enrollmentTokens, nodes, projects } from "../../db/schema";
import type { Services } from "../../services";
import { ApiError, conflict, errorResponses, unauthorized } from "../errors";
import type { App, AppEnv } from "../hono";
import { projectParam } from "../schemas";
import { IDEMPOTENCY_KEY_PATTERN, registrationHash, retryRegistration } from "./register-retry";
import { EXAMPLE_NODE_ID, jsonObjectSchema, labelsSchema } from "./schema";
import { publishedSigningKeys, signingKeyInfoSchema } from "./signing-keys";

/** The enrollment token header. */
export const ENROLLMENT_TOKEN_HEADER = "x-zentinel-enrollment-token";

/** Node names as in the original protocol. */
export const NODE_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_CAPABILITIES = 64;

/**
 * SQL condition (on `enrollment_tokens`) for a token that may enroll one more node now. Bound
 * parameter: the current time. Every statement of the registration batch repeats it, so a token
 * revoked, expired or used up by a concurrent registration makes the whole batch a no-op.
 */
const TOKEN_USABLE = `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
  AND (max_uses IS NULL OR uses < max_uses)`;

const body = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(NODE_NAME_PATTERN, "must start with a letter or digit; letters, digits, _ . - only")
      .openapi({ example: "edge-eu-1" }),
    labels: labelsSchema.optional(),
    capabilities: z
      .array(z.string().min(1).max(64))
      .max(MAX_CAPABILITIES)
      .optional()
      .openapi({ example: ["zstd", "ed25519"] }),
    version: z.string().max(100).optional().openapi({ example: "0.9.2" }),
    hostname: z.string().max(255).optional().openapi({ example: "edge-eu-1.example.net" }),
    ip: z.string().max(64).optional().openapi({ example: "203.0.113.10" }),
    metadata: jsonObjectSchema.optional(),
  })
  .openapi("RegisterNode");

const response = z
  .object({
    node_id: z.string().uuid().openapi({ example: EXAMPLE_NODE_ID }),
    node_key: z.string().openapi({
      description: "Static node key (43 base64url characters). Shown once; stored only as a hash.",
      example: "q3Jt0m8b3xkq9V1d0f2YwA7c5e6R4t8u9i0o1p2a3s4",
    }),
    poll_interval_s: z.number().int().openapi({ example: 30 }),
    heartbeat_interval_s: z.number().int().openapi({ example: 30 }),
    signing_keys: z.array(signingKeyInfoSchema),
  })
  .openapi("RegisteredNode");

const route = createRoute({
  method: "post",
  path: "/api/v1/projects/{project}/nodes/register",
  tags: ["Node API"],
  summary: "Register a node with an enrollment token",
  description:
    "Creates a node in the project the enrollment token belongs to and returns its static key " +
    "(shown once) plus the project's public signing keys, which agents pin to verify bundles. " +
    "A token of another project, or one that is revoked, expired or used up, is 401; each " +
    "registration consumes one use atomically. The name of a revoked node may be reused. " +
    "Send an Idempotency-Key so a retry after a lost response is answered instead of 409.",
  security: [{ enrollmentToken: [] }],
  request: {
    params: projectParam,
    headers: z.object({
      "idempotency-key": z
        .string()
        .regex(IDEMPOTENCY_KEY_PATTERN, "must be 16–128 characters: A–Z, a–z, 0–9, _ or -")
        .optional()
        .openapi({
          description:
            "Makes a retry safe: a retry with the same key (same token and name, within 10 minutes, before the node first authenticated) answers 201 again for the same node, with a fresh key, instead of 409.",
          example: "3f2b9c1e-7a4d-4e8f-9b6a-2c5d8e1f0a7b",
        }),
    }),
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    201: { description: "Registered", content: { "application/json": { schema: response } } },
    400: errorResponses[400],
    401: errorResponses[401],
    409: errorResponses[409],
    500: errorResponses[500],
  },
});

type RegisterInput = z.infer<typeof body>;
type TokenRow = typeof enrollmentTokens.$inferSelect;

/** POST /api/v1/projects/{project}/nodes/register */
export const registerRegisterNode = (app: App) =>
  app.openapi(route, async (c) => {
    const services = c.get("services");
    const { project: slug } = c.req.valid("param");
    const input = c.req.valid("json");
    const idempotencyKey = c.req.valid("header")["idempotency-key"];
    const { token, orgId } = await usableToken(
      services,
      slug,
      c.req.header(ENROLLMENT_TOKEN_HEADER),
    );
    // Before the insert: a node that registered but never got its keys would be stranded.
    await services.signingKeys.active(token.projectId);
    const signingKeys = await publishedSigningKeys(services, token.projectId);
    const { config } = services;
    const answer = (nodeId: string, nodeKey: string) =>
      c.json(
        {
          node_id: nodeId,
          node_key: nodeKey,
          poll_interval_s: config.POLL_INTERVAL_S,
          heartbeat_interval_s: config.HEARTBEAT_INTERVAL_S,
          signing_keys: signingKeys,
        },
        201,
      );
    const hash = idempotencyKey ? await registrationHash(token.id, idempotencyKey) : null;
    const nodeId = crypto.randomUUID();
    const nodeKey = await mintNodeKey();
    const ip = input.ip ?? clientIp(c);
    try {
      await insertNode(services, token, nodeId, nodeKey.hash, hash, input, ip);
    } catch (err) {
      const retried =
        err instanceof ApiError && err.code === "CONFLICT" && hash !== null
          ? await retryRegistration(services, token.projectId, input.name, hash)
          : null;
      if (!retried) {
        throw err;
      }
      await services.audit.record({
        orgId,
        projectId: token.projectId,
        actor: { type: "system", id: token.id, label: `enrollment token ${token.name}` },
        action: "node.registration_retried",
        resourceType: "node",
        resourceId: retried.nodeId,
        diff: { after: { name: input.name, key_reissued: true } },
        requestId: services.requestId,
      });
      return answer(retried.nodeId, retried.nodeKey);
    }
    await services.audit.record(
      {
        orgId,
        projectId: token.projectId,
        actor: { type: "system", id: token.id, label: `enrollment token ${token.name}` },
        action: "node.registered",
        resourceType: "node",
        resourceId: nodeId,
        diff: {
          after: {
            name: input.name,
            labels: input.labels ?? {},
            capabilities: input.capabilities ?? [],
            version: input.version ?? null,
            hostname: input.hostname ?? null,
            ip,
          },
        },
        requestId: services.requestId,
      },
      [
        {
          projectId: token.projectId,
          type: "node.registered",
          resourceType: "node",
          resourceId: nodeId,
          payload: { node_id: nodeId, name: input.name, enrollment_token_id: token.id },
        },
      ],
    );
    return answer(nodeId, nodeKey.value);
  });

/**
 * The enrollment token, which must belong to the project named in the path (a token of another
 * project is as invalid as a made-up one: 401, not 404, so slugs cannot be probed).
 */
async function usableToken(
  services: Services,
  slug: string,
  presented: string | undefined,
): Promise<{ token: TokenRow; orgId: string }> {
  if (presented === undefined || presented === "") {
    throw unauthorized("Missing enrollment token. Provide the X-Zentinel-Enrollment-Token header.");
  }
  const hash = await hashSecret(presented);
  const [row] = await services.db
    .select({ token: enrollmentTokens, orgId: projects.orgId })
    .from(enrollmentTokens)
    .innerJoin(projects, eq(projects.id, enrollmentTokens.projectId))
    .where(and(eq(enrollmentTokens.tokenHash, hash), eq(projects.slug, slug)))
    .limit(1);
  if (!row || !timingSafeEqual(row.token.tokenHash, hash)) {
    throw unauthorized("Invalid enrollment token");
  }
  const { token } = row;
  if (token.revokedAt !== null) {
    throw unauthorized("Enrollment token has been revoked");
  }
  if (token.expiresAt !== null && token.expiresAt <= services.clock.now()) {
    throw unauthorized("Enrollment token has expired");
  }
  if (token.maxUses !== null && token.uses >= token.maxUses) {
    throw unauthorized("Enrollment token has been used up");
  }
  return row;
}

/**
 * One batch (one transaction): free the name if a revoked node holds it, insert the node, count
 * the use. Each statement re-checks the token, so concurrent registrations can never exceed
 * `max_uses`: the loser's batch inserts nothing and is answered 401.
 */
async function insertNode(
  services: Services,
  token: TokenRow,
  nodeId: string,
  keyHash: string,
  registrationHashValue: string | null,
  input: RegisterInput,
  ip: string | null,
): Promise<void> {
  const { d1 } = services;
  const now = services.clock.now();
  const [, inserted] = await d1.batch([
    d1
      .prepare(
        `UPDATE nodes SET name = name || '~revoked~' || id
         WHERE project_id = ? AND name = ? AND revoked_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM enrollment_tokens WHERE id = ? AND ${TOKEN_USABLE})`,
      )
      .bind(token.projectId, input.name, token.id, now),
    d1
      .prepare(
        `INSERT INTO nodes (id, project_id, name, key_hash, labels, capabilities, version, hostname,
           ip, metadata, status, registered_at, last_seen_at, registration_hash)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'online', ?, ?, ?
         FROM enrollment_tokens WHERE id = ? AND ${TOKEN_USABLE}
         ON CONFLICT DO NOTHING`,
      )
      .bind(
        nodeId,
        token.projectId,
        input.name,
        keyHash,
        JSON.stringify(input.labels ?? {}),
        JSON.stringify(input.capabilities ?? []),
        input.version ?? null,
        input.hostname ?? null,
        ip,
        JSON.stringify(input.metadata ?? {}),
        now,
        now,
        registrationHashValue,
        token.id,
        now,
      ),
    d1
      .prepare(
        `UPDATE enrollment_tokens SET uses = uses + 1
         WHERE id = ? AND ${TOKEN_USABLE} AND EXISTS (SELECT 1 FROM nodes WHERE id = ?)`,
      )
      .bind(token.id, now, nodeId),
  ]);
  if (inserted?.meta.changes === 1) {
    return;
  }
  const taken = await services.db
    .select({ id: nodes.id })
    .from(nodes)
    .where(and(eq(nodes.projectId, token.projectId), eq(nodes.name, input.name)))
    .limit(1);
  if (taken.length > 0) {
    throw conflict(`Node name '${input.name}' is taken in this project`, [
      { path: "name", message: "already in use" },
    ]);
  }
  // The token passed the checks above and then lost a race (used up or revoked meanwhile).
  throw unauthorized("Enrollment token has been used up");
}

/** The caller's address as the edge saw it (`CF-Connecting-IP`, else `X-Forwarded-For`). */
function clientIp(c: Context<AppEnv>): string | null {
  const direct = c.req.header("cf-connecting-ip");
  if (direct) {
    return direct;
  }
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || null;
}
