import { describe, expect, it } from "vitest";
import { registerBundleRoutes } from "../../src/api/bundles";
import { newRouter } from "../../src/api/hono";
import { registerOpenApi } from "../../src/api/meta/openapi";
import { registerSigningKeyRoutes } from "../../src/api/signing-keys";
import { bundleRow, compiled, sampleConfig, settled } from "./bundles-helpers";
import {
  call,
  createApiKey,
  createProject,
  createTenant,
  expectEnvelope,
  keyForRole,
} from "./harness";

/** Every bundle route: [method, path suffix after /bundles, writes?]. */
const ROUTES: Array<[string, string, boolean]> = [
  ["GET", "", false],
  ["POST", "", true],
  ["GET", "/{id}", false],
  ["GET", "/{id}/download", false],
  ["GET", "/{id}/config", false],
  ["GET", "/{id}/sbom", false],
  ["GET", "/{id}/diff", false],
  ["POST", "/{id}/revoke", true],
];

function request(
  slug: string,
  bundleId: string,
  [method, suffix, writes]: [string, string, boolean],
) {
  const path = `/api/v1/projects/${slug}/bundles${suffix.replace("{id}", bundleId)}`;
  const body =
    writes && suffix === "" ? { config: sampleConfig({ routePrefix: "/sec" }) } : undefined;
  return { method, path, body };
}

describe("bundles: security", () => {
  it("401 without credentials or with a bad key, on every route", async () => {
    const t = await createTenant();
    const bundle = await compiled(t, { config: sampleConfig() });
    for (const route of ROUTES) {
      const { method, path, body } = request(t.slug, bundle.bundle_id, route);
      expectEnvelope(await call(method, path, { body }), 401, "UNAUTHORIZED");
      expectEnvelope(await call(method, path, { body, key: "zcp_bogus" }), 401, "UNAUTHORIZED");
    }
  });

  it("a reader can read every route but cannot submit or revoke (403, nothing changes)", async () => {
    const t = await createTenant();
    const bundle = await compiled(t, { config: sampleConfig() });
    const reader = await keyForRole(t.orgId, "reader");
    for (const route of ROUTES) {
      const { method, path, body } = request(t.slug, bundle.bundle_id, route);
      const res = await call(method, path, { body, key: reader });
      if (route[2]) {
        expectEnvelope(res, 403, "FORBIDDEN");
      } else {
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(200);
      }
    }
    expect((await bundleRow(bundle.bundle_id))?.status).toBe("compiled");
    const count = await call("GET", `/api/v1/projects/${t.slug}/bundles`, { key: reader });
    expect(count.body.items).toHaveLength(1);
  });

  it("an operator can submit and revoke", async () => {
    const t = await createTenant();
    const operator = await keyForRole(t.orgId, "operator");
    const res = await call("POST", `/api/v1/projects/${t.slug}/bundles`, {
      key: operator,
      body: { config: sampleConfig() },
    });
    expect(res.status, res.text).toBe(202);
    const bundle = await settled(t, res.body.bundle_id);
    const revoked = await call(
      "POST",
      `/api/v1/projects/${t.slug}/bundles/${bundle.bundle_id}/revoke`,
      { key: operator },
    );
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body.status).toBe("revoked");
  });

  it("another tenant's bundles are 404 on every route, even with a real bundle id", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const bundle = await compiled(t, { config: sampleConfig() });
    for (const route of ROUTES) {
      const { method, path, body } = request(t.slug, bundle.bundle_id, route);
      expectEnvelope(await call(method, path, { body, key: other.adminKey }), 404, "NOT_FOUND");
      // Their own project slug with our bundle id: still not found.
      const theirs = request(other.slug, bundle.bundle_id, route);
      if (route[1] !== "") {
        expectEnvelope(
          await call(theirs.method, theirs.path, { body: theirs.body, key: other.adminKey }),
          404,
          "NOT_FOUND",
        );
      }
    }
    expect((await bundleRow(bundle.bundle_id))?.status).toBe("compiled");
  });

  it("a key limited to another project of the same org gets 404", async () => {
    const t = await createTenant();
    const sibling = await createProject(t.orgId);
    const limited = await createApiKey({
      orgId: t.orgId,
      scopes: ["bundles:read", "bundles:write"],
      projectId: sibling.projectId,
    });
    const bundle = await compiled(t, { config: sampleConfig() });
    for (const route of ROUTES) {
      const { method, path, body } = request(t.slug, bundle.bundle_id, route);
      expectEnvelope(await call(method, path, { body, key: limited }), 404, "NOT_FOUND");
    }
  });

  it("every bundle and signing-key route is in the OpenAPI document with its errors", async () => {
    // A router with only these routes, so the check does not depend on other resources' docs.
    const app = newRouter();
    registerBundleRoutes(app);
    registerSigningKeyRoutes(app);
    registerOpenApi(app);
    const res = await app.request("/api/v1/openapi.json");
    expect(res.status, await res.clone().text()).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, any> };
    const paths = doc.paths as Record<
      string,
      Record<string, { responses: Record<string, unknown> }>
    >;
    const base = "/api/v1/projects/{project}/bundles";
    expect(Object.keys(paths[base] ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(paths[base]?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "202", "400", "401", "403", "404", "409", "422"]),
    );
    for (const suffix of [
      "/{bundle_id}",
      "/{bundle_id}/download",
      "/{bundle_id}/config",
      "/{bundle_id}/sbom",
      "/{bundle_id}/diff",
    ]) {
      expect(paths[`${base}${suffix}`]?.get, suffix).toBeDefined();
    }
    expect(Object.keys(paths[`${base}/{bundle_id}/download`]?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "409", "410"]),
    );
    expect(paths[`${base}/{bundle_id}/revoke`]?.post).toBeDefined();
    expect(paths["/api/v1/projects/{project}/signing-keys"]?.get).toBeDefined();
    expect(paths["/api/v1/projects/{project}/signing-keys/rotate"]?.post).toBeDefined();
  });
});
