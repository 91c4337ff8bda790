import { describe, expect, it } from "vitest";
import { CERTS, configPath, createEntity, seedModel } from "./config-helpers";
import { call, createApiKey, createTenant, expectEnvelope, keyForRole } from "./harness";

describe("config entities: happy path", () => {
  it("creates, lists, shows, replaces and deletes an upstream group with defaults applied", async () => {
    const t = await createTenant();
    const created = await createEntity(t, "upstream-groups", {
      name: "backend",
      targets: [{ address: "10.0.0.1:8080" }],
    });
    expect(created).toMatchObject({
      name: "backend",
      targets: [{ address: "10.0.0.1:8080", weight: 1 }],
      load_balancing: "round_robin",
      health_check: null,
      extra_kdl: "",
    });
    const base = configPath(t.slug, "upstream-groups");
    const listed = await call("GET", base, { key: t.adminKey });
    expect(listed.body.items.map((i: { name: string }) => i.name)).toEqual(["backend"]);
    const put = await call("PUT", `${base}/backend`, {
      key: t.adminKey,
      body: { targets: [{ address: "10.0.0.9:9000", weight: 5 }], load_balancing: "maglev" },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ id: created.id, load_balancing: "maglev" });
    const shown = await call("GET", `${base}/backend`, { key: t.adminKey });
    expect(shown.body.targets).toEqual([{ address: "10.0.0.9:9000", weight: 5 }]);
    expect((await call("DELETE", `${base}/backend`, { key: t.adminKey })).status).toBe(204);
    expectEnvelope(await call("GET", `${base}/backend`, { key: t.adminKey }), 404, "NOT_FOUND");

    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs?limit=10`, {
      key: t.adminKey,
    });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual([
      "config.upstream_group.deleted",
      "config.upstream_group.updated",
      "config.upstream_group.created",
    ]);
  });

  it("pages a list by name", async () => {
    const t = await createTenant();
    for (const name of ["c", "a", "d", "b", "e"]) {
      await createEntity(t, "middlewares", { name, type: "cors" });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page = await call("GET", `${configPath(t.slug, "middlewares")}${qs}`, {
        key: t.adminKey,
      });
      seen.push(...page.body.items.map((e: { name: string }) => e.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("config entities: bad input", () => {
  it("lists every dangling reference of a service and stores nothing", async () => {
    const t = await createTenant();
    const res = await call("POST", configPath(t.slug, "services"), {
      key: t.adminKey,
      body: {
        name: "api",
        upstream_group: "nope",
        middlewares: ["missing-a", "missing-b"],
        auth_policy: "ghost",
        extra_kdl: "cache {",
      },
    });
    const err = expectEnvelope(res, 400, "BAD_REQUEST");
    expect(err.details?.map((d) => d.path)).toEqual([
      "extra_kdl",
      "upstream_group",
      "middlewares.0",
      "middlewares.1",
      "auth_policy",
    ]);
    expect(err.details?.[1]?.message).toBe("upstream group 'nope' does not exist");
    const list = await call("GET", configPath(t.slug, "services"), { key: t.adminKey });
    expect(list.body.items).toEqual([]);
  });

  it("reports every schema problem at once", async () => {
    const t = await createTenant();
    const res = await call("POST", configPath(t.slug, "upstream-groups"), {
      key: t.adminKey,
      body: { name: "Bad Name", targets: [{ address: "localhost" }], load_balancing: "fastest" },
    });
    const err = expectEnvelope(res, 400, "BAD_REQUEST");
    expect(err.details?.map((d) => d.path).sort()).toEqual([
      "load_balancing",
      "name",
      "targets.0.address",
    ]);
  });

  it("refuses duplicate names, also across plugins and policies (one agent id space)", async () => {
    const t = await createTenant();
    await createEntity(t, "middlewares", { name: "cors", type: "cors" });
    expectEnvelope(
      await call("POST", configPath(t.slug, "middlewares"), {
        key: t.adminKey,
        body: { name: "cors", type: "compress" },
      }),
      409,
      "CONFLICT",
    );
    const transport = { type: "grpc", address: "http://127.0.0.1:50051" };
    await createEntity(t, "auth-policies", { name: "jwt", transport });
    const clash = expectEnvelope(
      await call("POST", configPath(t.slug, "plugins"), {
        key: t.adminKey,
        body: { name: "jwt", transport },
      }),
      409,
      "CONFLICT",
    );
    expect(clash.message).toContain("auth policy 'jwt'");
  });

  it("refuses to delete an upstream group in use, naming the users (409), until they are gone", async () => {
    const t = await createTenant();
    await seedModel(t, "value-1");
    await createEntity(t, "services", { name: "api-2", upstream_group: "backend" });
    const refused = expectEnvelope(
      await call("DELETE", `${configPath(t.slug, "upstream-groups")}/backend`, { key: t.adminKey }),
      409,
      "CONFLICT",
    );
    expect(refused.message).toContain("service 'api'");
    expect(refused.message).toContain("service 'api-2'");
    expect(refused.details?.map((d) => d.path)).toEqual(["service/api", "service/api-2"]);
    const secret = expectEnvelope(
      await call("DELETE", `${configPath(t.slug, "secrets")}/signer-key`, { key: t.adminKey }),
      409,
      "CONFLICT",
    );
    expect(secret.details).toEqual([
      { path: "plugin/signer", message: "plugin 'signer' uses it (config.key-file)" },
    ]);
    for (const name of ["api", "api-2"]) {
      expect(
        (await call("DELETE", `${configPath(t.slug, "services")}/${name}`, { key: t.adminKey }))
          .status,
      ).toBe(204);
    }
    expect(
      (
        await call("DELETE", `${configPath(t.slug, "upstream-groups")}/backend`, {
          key: t.adminKey,
        })
      ).status,
    ).toBe(204);
  });

  it("refuses a PUT that would dangle, leaving the entity unchanged", async () => {
    const t = await createTenant();
    await seedModel(t, "value-1");
    const path = `${configPath(t.slug, "services")}/api`;
    expectEnvelope(
      await call("PUT", path, { key: t.adminKey, body: { upstream_group: "gone" } }),
      400,
      "BAD_REQUEST",
    );
    expect((await call("GET", path, { key: t.adminKey })).body.upstream_group).toBe("backend");
  });
});

describe("certificates", () => {
  it("parses an upload, exposes its facts and never returns the key", async () => {
    const t = await createTenant();
    const res = await call("POST", configPath(t.slug, "certificates"), {
      key: t.adminKey,
      body: {
        name: "www",
        cert_pem: CERTS["www.crt"],
        key_pem: CERTS["www.key"],
        chain_pem: CERTS["chain.crt"],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: "www",
      subject: "O=Zentinel Test, CN=www.example.test",
      sans: ["www.example.test", "example.test"],
      not_after: "2036-01-01T00:00:00.000Z",
      key_algorithm: "ECDSA-P-256",
      version: 1,
    });
    const keyBody = (CERTS["www.key"] ?? "").split("\n")[1] ?? "";
    expect(keyBody.length).toBeGreaterThan(20);
    const reads = [
      res,
      await call("GET", configPath(t.slug, "certificates"), { key: t.adminKey }),
      await call("GET", `${configPath(t.slug, "certificates")}/www`, { key: t.adminKey }),
      await call("GET", `/api/v1/projects/${t.slug}/audit-logs`, { key: t.adminKey }),
    ];
    for (const r of reads) {
      expect(r.text).not.toContain(keyBody);
      expect(r.text).not.toContain("PRIVATE KEY");
    }
  });

  it("rejects a key that does not match, an expired certificate and a malformed PEM (400, all listed)", async () => {
    const t = await createTenant();
    const post = (body: Record<string, unknown>) =>
      call("POST", configPath(t.slug, "certificates"), {
        key: t.adminKey,
        body: { name: "c", ...body },
      });
    const mismatch = expectEnvelope(
      await post({ cert_pem: CERTS["www.crt"], key_pem: CERTS["api.key"] }),
      400,
      "BAD_REQUEST",
    );
    expect(mismatch.details).toEqual([
      { path: "key_pem", message: expect.stringContaining("does not match") },
    ]);
    const expired = expectEnvelope(
      await post({ cert_pem: CERTS["expired.crt"], key_pem: CERTS["expired.key"] }),
      400,
      "BAD_REQUEST",
    );
    expect(expired.details?.[0]?.message).toContain("expired on 2021-01-01");
    const malformed = expectEnvelope(
      await post({ cert_pem: "not a pem", key_pem: "nor this" }),
      400,
      "BAD_REQUEST",
    );
    expect(malformed.details?.map((d) => d.path)).toEqual(["cert_pem", "key_pem"]);
    expect(
      (await call("GET", configPath(t.slug, "certificates"), { key: t.adminKey })).body.items,
    ).toEqual([]);
  });

  it("replacing bumps the version; a listener using it blocks deletion", async () => {
    const t = await createTenant();
    await createEntity(t, "certificates", {
      name: "www",
      cert_pem: CERTS["www.crt"],
      key_pem: CERTS["www.key"],
    });
    await createEntity(t, "listeners", {
      name: "https",
      address: "0.0.0.0:8443",
      protocol: "https",
      certificates: ["www"],
    });
    const path = `${configPath(t.slug, "certificates")}/www`;
    const replaced = await call("PUT", path, {
      key: t.adminKey,
      body: { cert_pem: CERTS["api.crt"], key_pem: CERTS["api.key"] },
    });
    expect(replaced.status, replaced.text).toBe(200);
    expect(replaced.body).toMatchObject({ version: 2, sans: ["api.example.test"] });
    const refused = expectEnvelope(
      await call("DELETE", path, { key: t.adminKey }),
      409,
      "CONFLICT",
    );
    expect(refused.message).toContain("listener 'https'");
  });
});

describe("secrets", () => {
  it("never returns the value (create, list, show, rotate, audit), and rotation bumps the version", async () => {
    const t = await createTenant();
    const value = `v-${crypto.randomUUID()}`;
    const created = await call("POST", configPath(t.slug, "secrets"), {
      key: t.adminKey,
      body: { name: "db-password", value, description: "primary db" },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      name: "db-password",
      version: 1,
      description: "primary db",
    });
    const rotated = await call("PUT", `${configPath(t.slug, "secrets")}/db-password`, {
      key: t.adminKey,
      body: { value: `${value}-2` },
    });
    expect(rotated.body).toMatchObject({ version: 2, description: "primary db" });
    const responses = [
      created,
      rotated,
      await call("GET", configPath(t.slug, "secrets"), { key: t.adminKey }),
      await call("GET", `${configPath(t.slug, "secrets")}/db-password`, { key: t.adminKey }),
      await call("GET", `/api/v1/projects/${t.slug}/audit-logs`, { key: t.adminKey }),
    ];
    for (const r of responses) {
      expect(r.text).not.toContain(value);
    }
  });
});

describe("config entities: security", () => {
  it("readers read, need config:write to change; other tenants see 404", async () => {
    const t = await createTenant();
    await createEntity(t, "upstream-groups", {
      name: "backend",
      targets: [{ address: "10.0.0.1:80" }],
    });
    const reader = await keyForRole(t.orgId, "reader");
    const base = configPath(t.slug, "upstream-groups");
    expect((await call("GET", `${base}/backend`, { key: reader })).status).toBe(200);
    expectEnvelope(
      await call("POST", base, {
        key: reader,
        body: { name: "x", targets: [{ address: "1.1.1.1:1" }] },
      }),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(await call("DELETE", `${base}/backend`, { key: reader }), 403, "FORBIDDEN");
    expectEnvelope(
      await call("POST", configPath(t.slug, "secrets"), {
        key: reader,
        body: { name: "s", value: "v" },
      }),
      403,
      "FORBIDDEN",
    );
    const bundlesOnly = await createApiKey({
      orgId: t.orgId,
      scopes: ["bundles:write", "bundles:read"],
    });
    expectEnvelope(await call("GET", base, { key: bundlesOnly }), 403, "FORBIDDEN");
    const other = await createTenant();
    expectEnvelope(await call("GET", `${base}/backend`, { key: other.adminKey }), 404, "NOT_FOUND");
    expectEnvelope(
      await call("DELETE", `${base}/backend`, { key: other.adminKey }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(await call("GET", base), 401, "UNAUTHORIZED");
  });
});
