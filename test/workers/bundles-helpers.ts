import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { computeBundleId } from "../../src/bundles/archive";
import { prepareBundle } from "../../src/bundles/pipeline";
import { call, type Tenant } from "./harness";

/** A valid config: listener → route "api" (with an auth agent filter when `auth`) → "backend". */
export function sampleConfig(
  opts: { auth?: boolean; upstreams?: string[]; routePrefix?: string } = {},
) {
  const upstreams = opts.upstreams ?? ["backend"];
  const upstreamBlocks = upstreams
    .map((id, i) => `    upstream "${id}" {\n        target "127.0.0.1:${3000 + i}"\n    }\n`)
    .join("");
  const filters = opts.auth ? '        filters "auth"\n' : "";
  return `system {
    worker-threads 2
}
listeners {
    listener "http" {
        address "0.0.0.0:8080"
        protocol "http"
    }
}
upstreams {
${upstreamBlocks}}
agents {
    agent "authz" {
        type "auth"
        grpc address="http://127.0.0.1:50051"
        events "request_headers"
        failure-mode "closed"
    }
}
filters {
    filter "auth" {
        type "agent"
        agent "authz"
    }
}
routes {
    route "api" {
        matches {
            path-prefix "${opts.routePrefix ?? "/api"}"
        }
        upstream "backend"
${filters}    }
}
`;
}

/** POSTs a config to the project's bundles. */
export function submit(t: Tenant, body: Record<string, unknown>, key = t.adminKey) {
  return call("POST", `/api/v1/projects/${t.slug}/bundles`, { key, body });
}

/** Polls GET …/bundles/{id} until the status leaves pending/compiling; returns the final body. */
export async function settled(t: Tenant, bundleId: string): Promise<Record<string, any>> {
  let body: Record<string, any> = {};
  await expect
    .poll(
      async () => {
        const res = await call("GET", `/api/v1/projects/${t.slug}/bundles/${bundleId}`, {
          key: t.adminKey,
        });
        body = res.body;
        return body?.status;
      },
      { timeout: 20_000, interval: 50 },
    )
    .toMatch(/^(compiled|failed)$/);
  return body;
}

/** Submits a config and waits until it is compiled; returns the bundle. */
export async function compiled(t: Tenant, body: Record<string, unknown>) {
  const res = await submit(t, body);
  expect([200, 202], res.text).toContain(res.status);
  const bundle = await settled(t, res.body.bundle_id);
  expect(bundle.status, JSON.stringify(bundle)).toBe("compiled");
  return bundle;
}

/** Downloads an archive through the API. */
export async function download(t: Tenant, bundleId: string, key = t.adminKey) {
  return call("GET", `/api/v1/projects/${t.slug}/bundles/${bundleId}/download`, { key });
}

/** Raw archive bytes of a compiled bundle, read from the API (not from R2 directly). */
export async function archiveBytes(t: Tenant, bundleId: string): Promise<Uint8Array> {
  const res = await exports.default.fetch(
    new Request(`http://zcp.test/api/v1/projects/${t.slug}/bundles/${bundleId}/download`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    }),
  );
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

/** The bundle row straight from D1 (for state-unchanged assertions). */
export function bundleRow(bundleId: string) {
  return env.DB.prepare("SELECT * FROM bundles WHERE id = ?")
    .bind(bundleId)
    .first<Record<string, unknown>>();
}

/** Number of bundle rows of a project. */
export async function bundleCount(projectId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM bundles WHERE project_id = ?")
    .bind(projectId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Inserts a bundle row directly (a fixture: no compile job is queued, so the real consumer never
 * touches it). The id is the real digest of `config`, so compiling it can succeed.
 */
export async function insertBundle(
  t: Tenant,
  config: string,
  fields: { status?: string; attempts?: number; output?: string | null; sequence?: number } = {},
): Promise<string> {
  const files = { "zentinel.kdl": config };
  const prepared = await prepareBundle(t.projectId, files);
  const id = prepared.ok ? prepared.bundleId : await computeBundleId(t.projectId, files, []);
  const sequence = fields.sequence ?? (await bundleCount(t.projectId)) + 1;
  await env.DB.prepare(
    `INSERT INTO bundles (id, project_id, sequence, version, status, files, compile_attempts,
       compiler_output, created_at) VALUES (?,?,?,?,?,?,?,?,?)`,
  )
    .bind(
      id,
      t.projectId,
      sequence,
      `v${sequence}`,
      fields.status ?? "pending",
      JSON.stringify(files),
      fields.attempts ?? 0,
      fields.output ?? null,
      Date.now(),
    )
    .run();
  return id;
}
