import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { sha256Hex } from "../../src/auth/crypto";
import { ENROLLMENT_TOKEN_PREFIX, mintSecret } from "../../src/auth/tokens";
import * as schema from "../../src/db/schema";
import { SigningKeyService } from "../../src/services/signing-keys";
import { type CallResult, call, type Tenant } from "./harness";

/** Inserts an enrollment token directly (fixture); returns the clear token and its id. */
export async function createEnrollmentToken(
  projectId: string,
  opts: {
    maxUses?: number | null;
    uses?: number;
    expiresAt?: number | null;
    revokedAt?: number | null;
  } = {},
): Promise<{ id: string; token: string }> {
  const secret = await mintSecret(ENROLLMENT_TOKEN_PREFIX);
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO enrollment_tokens (id, project_id, name, prefix, token_hash, max_uses, uses, expires_at, revoked_at, created_at)
     VALUES (?,?,?,?,?,?,?,?,?,?)`,
  )
    .bind(
      id,
      projectId,
      "test token",
      secret.prefix,
      secret.hash,
      opts.maxUses ?? null,
      opts.uses ?? 0,
      opts.expiresAt ?? null,
      opts.revokedAt ?? null,
      Date.now(),
    )
    .run();
  return { id, token: secret.value };
}

let nodeCounter = 0;

/** 201 body of POST …/nodes/register. */
export interface RegisterBody {
  node_id: string;
  node_key: string;
  poll_interval_s: number;
  heartbeat_interval_s: number;
  signing_keys: Array<{ kid: string; alg: string; public_key: string }>;
}

/** A registered node (through the real route). */
export interface TestNode {
  nodeId: string;
  nodeKey: string;
  name: string;
  register: CallResult<RegisterBody>;
}

/** Registers a node via POST …/nodes/register with a fresh unlimited token (or `token`). */
export async function registerNode(
  tenant: Pick<Tenant, "slug" | "projectId">,
  opts: { token?: string; name?: string; body?: Record<string, unknown> } = {},
): Promise<TestNode> {
  const token = opts.token ?? (await createEnrollmentToken(tenant.projectId)).token;
  const name = opts.name ?? `node-${Date.now().toString(36)}-${(nodeCounter++).toString(36)}`;
  const res = await call<RegisterBody>("POST", `/api/v1/projects/${tenant.slug}/nodes/register`, {
    headers: { "x-zentinel-enrollment-token": token },
    body: { name, ...opts.body },
  });
  if (res.status !== 201) {
    throw new Error(`register failed: ${res.status} ${res.text}`);
  }
  return { nodeId: res.body.node_id, nodeKey: res.body.node_key, name, register: res };
}

/** Headers authenticating as a node with its static key. */
export const nodeKeyHeaders = (key: string) => ({ "x-zentinel-node-key": key });

/** A compiled bundle fixture: its row plus the archive bytes in R2. */
export interface TestBundle {
  bundleId: string;
  checksum: string;
  bytes: Uint8Array<ArrayBuffer>;
  sequence: number;
  storageKey: string;
}

/**
 * Inserts a bundles row (status `compiled` unless told otherwise) with a real SHA-256 checksum of
 * `bytes` and puts the bytes in R2 at the canonical key. The bundle pipeline is not involved: the
 * id is the digest of a stand-in manifest, unique per call.
 */
export async function createCompiledBundle(
  tenant: Pick<Tenant, "projectId">,
  opts: { bytes?: Uint8Array<ArrayBuffer>; status?: schema.BundleStatus; version?: string } = {},
): Promise<TestBundle> {
  const bytes = opts.bytes ?? crypto.getRandomValues(new Uint8Array(4096));
  const manifest = JSON.stringify({ project_id: tenant.projectId, nonce: crypto.randomUUID() });
  const bundleId = await sha256Hex(manifest);
  const checksum = await sha256Hex(bytes);
  const storageKey = `bundles/${tenant.projectId}/${bundleId}.tar.zst`;
  await env.BUNDLES.put(storageKey, bytes);
  const row = await env.DB.prepare(
    `INSERT INTO bundles (id, project_id, sequence, version, status, files, checksum, size_bytes,
       signature, signing_key_id, storage_key, created_at, compiled_at)
     SELECT ?, ?, COALESCE(MAX(sequence), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
     FROM bundles WHERE project_id = ?
     RETURNING sequence`,
  )
    .bind(
      bundleId,
      tenant.projectId,
      opts.version ?? "test-1",
      opts.status ?? "compiled",
      JSON.stringify({ "zentinel.kdl": "// test" }),
      checksum,
      bytes.byteLength,
      "c2lnbmF0dXJl",
      "zk_0123456789abcdef",
      storageKey,
      Date.now(),
      Date.now(),
      tenant.projectId,
    )
    .first<{ sequence: number }>();
  if (!row) {
    throw new Error("bundle fixture insert returned nothing");
  }
  return { bundleId, checksum, bytes, sequence: row.sequence, storageKey };
}

/** The project's active signing key, through the real service (creates it on first need). */
export function activeSigningKey(projectId: string) {
  const master = env.ZCP_MASTER_KEY;
  if (!master) {
    throw new Error("ZCP_MASTER_KEY is not set in the test environment");
  }
  return new SigningKeyService(drizzle(env.DB, { schema }), master, () => Date.now()).active(
    projectId,
  );
}

/** Reads a node row straight from D1 (assertions only). */
export function nodeRow(nodeId: string) {
  return env.DB.prepare("SELECT * FROM nodes WHERE id = ?")
    .bind(nodeId)
    .first<Record<string, unknown>>();
}
