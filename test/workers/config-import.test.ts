/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import http from "../fixtures/zentinel-examples/config/examples/http-caching.kdl?raw";
import { settled } from "./bundles-helpers";
import { configPath } from "./config-helpers";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";

const importPath = (slug: string, dryRun: boolean) =>
  `/api/v1/projects/${slug}/config/import${dryRun ? "?dry_run=true" : ""}`;

describe("config import", () => {
  it("dry run reports entities and every raw construct with its location, and creates nothing", async () => {
    const t = await createTenant();
    const res = await call("POST", importPath(t.slug, true), {
      key: t.adminKey,
      body: { config: http },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.dry_run).toBe(true);
    expect(res.body.preview.valid).toBe(true);
    const kinds = new Set(res.body.entities.map((e: { kind: string }) => e.kind));
    expect(kinds.has("service")).toBe(true);
    expect(kinds.has("upstream_group")).toBe(true);
    expect(res.body.unrepresented.length).toBeGreaterThan(0);
    for (const f of res.body.unrepresented) {
      expect(f).toMatchObject({
        file: "zentinel.kdl",
        line: expect.any(Number),
        column: expect.any(Number),
      });
    }
    const cache = res.body.unrepresented.find((f: { message: string }) =>
      f.message.includes("'cache'"),
    );
    expect(cache?.message).toContain("raw KDL");
    const list = await call("GET", configPath(t.slug, "services"), { key: t.adminKey });
    expect(list.body.items).toEqual([]);
  });

  it("imports, compiles to a valid bundle, and refuses a second import of the same names (409)", async () => {
    const t = await createTenant();
    const res = await call("POST", importPath(t.slug, false), {
      key: t.adminKey,
      body: { config: http },
    });
    expect(res.status, res.text).toBe(201);
    const services = await call("GET", configPath(t.slug, "services"), { key: t.adminKey });
    expect(services.body.items.length).toBe(
      res.body.entities.filter((e: { kind: string }) => e.kind === "service").length,
    );
    const compiled = await call("POST", `/api/v1/projects/${t.slug}/config/compile`, {
      key: t.adminKey,
      body: {},
    });
    expect(compiled.status, compiled.text).toBe(202);
    expect((await settled(t, compiled.body.bundle_id)).status).toBe("compiled");
    const again = expectEnvelope(
      await call("POST", importPath(t.slug, false), { key: t.adminKey, body: { config: http } }),
      409,
      "CONFLICT",
    );
    expect(again.details?.length).toBeGreaterThan(1);
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=config.imported`,
      { key: t.adminKey },
    );
    expect(audit.body.items.length).toBe(1);
  });

  it("rejects unparseable KDL and bad names with 422 listing each, creating nothing", async () => {
    const t = await createTenant();
    const syntax = expectEnvelope(
      await call("POST", importPath(t.slug, false), {
        key: t.adminKey,
        body: { config: "routes {" },
      }),
      422,
      "INVALID_CONFIG",
    );
    expect(syntax.details?.[0]).toMatchObject({ file: "zentinel.kdl", line: expect.any(Number) });
    const names = expectEnvelope(
      await call("POST", importPath(t.slug, false), {
        key: t.adminKey,
        body: {
          config:
            'system {}\nupstreams {\n    upstream "Bad Name" {\n        target "10.0.0.1:80"\n    }\n    upstream "UP" {\n        target "10.0.0.1:81"\n    }\n}\n',
        },
      }),
      422,
      "INVALID_CONFIG",
    );
    expect(names.details?.map((d) => (d as { line?: number }).line)).toEqual([3, 6]);
    expect(
      (await call("GET", configPath(t.slug, "upstream-groups"), { key: t.adminKey })).body.items,
    ).toEqual([]);
  });

  it("needs config:write", async () => {
    const t = await createTenant();
    const reader = await keyForRole(t.orgId, "reader");
    expectEnvelope(
      await call("POST", importPath(t.slug, true), { key: reader, body: { config: http } }),
      403,
      "FORBIDDEN",
    );
  });
});
