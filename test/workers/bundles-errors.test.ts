/// <reference types="vite/client" />
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import expectations from "../fixtures/zentinel-examples/expectations.json";
import { bundleCount, compiled, download, sampleConfig, submit } from "./bundles-helpers";
import { call, createTenant, expectEnvelope } from "./harness";

/** Every fixture config, by path relative to test/fixtures/zentinel-examples. */
const FIXTURES = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>("../fixtures/zentinel-examples/**/*.kdl", {
      query: "?raw",
      import: "default",
      eager: true,
    }),
  ).map(([path, text]) => [path.replace("../fixtures/zentinel-examples/", ""), text]),
);

type Expectation = { expected: "pass" | "fail"; kdl_v2: boolean; first_error?: string };
const EXPECTED = expectations.files as Record<string, Expectation>;
const failing = Object.entries(EXPECTED).filter(([, e]) => e.expected === "fail");
const passing = Object.entries(EXPECTED).filter(([, e]) => e.expected === "pass");

interface ConfigDetail {
  file: string;
  line: number;
  column: number;
  message: string;
}

describe("bundles: invalid configs are 422 with positions", () => {
  it("loads every fixture", () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(failing.length).toBeGreaterThan(10);
  });

  it.each(failing)("rejects %s with line/column details", async (path, expectation) => {
    const t = await createTenant();
    const err = expectEnvelope(await submit(t, { config: FIXTURES[path] }), 422, "INVALID_CONFIG");
    const details = (err.details ?? []) as unknown as ConfigDetail[];
    expect(details.length).toBeGreaterThan(0);
    for (const d of details) {
      expect(d).toMatchObject({ file: "zentinel.kdl", message: expect.any(String) });
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
    if (expectation.kdl_v2 && expectation.first_error) {
      expect(details[0]?.message.startsWith(expectation.first_error)).toBe(true);
    }
    expect(await bundleCount(t.projectId)).toBe(0);
  });

  it("accepts every fixture the proxy accepts", async () => {
    const t = await createTenant();
    for (const [path] of passing) {
      const res = await submit(t, { config: FIXTURES[path] });
      expect(res.status, `${path}: ${res.text}`).toBe(202);
    }
  });

  it("lists every error of a hand-written config with its exact position, in any file", async () => {
    const t = await createTenant();
    const config = sampleConfig().replace('protocol "http"', 'protocol "gopher"');
    const err = expectEnvelope(
      await submit(t, {
        config: `${config}include "more.kdl"\n`,
        files: { "more.kdl": 'upstreams {\n    upstream "empty" {\n    }\n}\n' },
      }),
      422,
      "INVALID_CONFIG",
    );
    expect(err.message).toMatch(/2 errors/);
    expect(err.details).toEqual([
      expect.objectContaining({
        file: "zentinel.kdl",
        line: 7,
        column: 9,
        message:
          "Invalid protocol 'gopher' for listener 'http'. Valid protocols: http, https, h2, h3",
      }),
      expect.objectContaining({ file: "more.kdl", line: 2, column: 5 }),
    ]);
  });

  it("reports a KDL syntax error at its position", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await submit(t, { config: "system {\n    worker-threads 2\n" }),
      422,
      "INVALID_CONFIG",
    );
    expect(err.details?.[0]).toMatchObject({ file: "zentinel.kdl", line: expect.any(Number) });
  });
});

describe("bundles: request errors", () => {
  it("lists every schema problem in one 400 and writes nothing", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await submit(t, {
        config: 42,
        files: { "../escape.kdl": "", "notes.txt": "", "zentinel.kdl": "", "a//b.kdl": "" },
        version: "",
        source: { type: "svn" },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual([
      "config",
      "files.../escape.kdl",
      "files.a//b.kdl",
      "files.notes.txt",
      "files.zentinel.kdl",
      "source.type",
      "version",
    ]);
    expect(await bundleCount(t.projectId)).toBe(0);
  });

  it("answers malformed JSON with 400", async () => {
    const t = await createTenant();
    expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/bundles`, { key: t.adminKey, rawBody: "{" }),
      400,
      "BAD_REQUEST",
    );
  });

  it("404s a project that does not exist", async () => {
    const t = await createTenant();
    expectEnvelope(
      await call("POST", "/api/v1/projects/no-such-project/bundles", {
        key: t.adminKey,
        body: { config: sampleConfig() },
      }),
      404,
      "NOT_FOUND",
    );
  });
});

describe("bundles: revocation", () => {
  it("revokes a compiled bundle: audited, download 410, resubmission 409, repeat is a no-op", async () => {
    const t = await createTenant();
    const bundle = await compiled(t, { config: sampleConfig() });
    const path = `/api/v1/projects/${t.slug}/bundles/${bundle.bundle_id}`;
    const revoked = await call("POST", `${path}/revoke`, {
      key: t.adminKey,
      body: { reason: "leaks /api without auth" },
    });
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body).toMatchObject({ status: "revoked", revoked_at: expect.any(String) });

    expectEnvelope(await download(t, bundle.bundle_id), 410, "GONE");
    const again = expectEnvelope(await submit(t, { config: sampleConfig() }), 409, "CONFLICT");
    expect(again.message).toMatch(/revoked/);
    // Even after garbage collection soft-deleted the row, revoked content stays refused.
    await env.DB.prepare("UPDATE bundles SET deleted_at = ? WHERE id = ?")
      .bind(Date.now(), bundle.bundle_id)
      .run();
    expectEnvelope(await submit(t, { config: sampleConfig() }), 409, "CONFLICT");
    await env.DB.prepare("UPDATE bundles SET deleted_at = NULL WHERE id = ?")
      .bind(bundle.bundle_id)
      .run();
    const repeat = await call("POST", `${path}/revoke`, { key: t.adminKey });
    expect(repeat.status, repeat.text).toBe(200);

    // Still readable for forensics.
    for (const suffix of ["", "/config", "/sbom", "/diff"]) {
      expect((await call("GET", `${path}${suffix}`, { key: t.adminKey })).status).toBe(200);
    }
    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs?action=bundle.revoked`, {
      key: t.adminKey,
    });
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].diff.after).toEqual({
      status: "revoked",
      reason: "leaks /api without auth",
    });
  });

  it("refuses to revoke a bundle that is not compiled (409) and leaves it unchanged", async () => {
    const t = await createTenant();
    const res = await submit(t, { config: sampleConfig() });
    await env.DB.prepare("UPDATE bundles SET status = 'failed' WHERE id = ?")
      .bind(res.body.bundle_id)
      .run();
    expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/bundles/${res.body.bundle_id}/revoke`, {
        key: t.adminKey,
      }),
      409,
      "CONFLICT",
    );
    const row = await env.DB.prepare("SELECT status FROM bundles WHERE id = ?")
      .bind(res.body.bundle_id)
      .first<{ status: string }>();
    expect(row?.status).toBe("failed");
  });

  it("rejects a bad revoke body with 400", async () => {
    const t = await createTenant();
    const bundle = await compiled(t, { config: sampleConfig() });
    expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/bundles/${bundle.bundle_id}/revoke`, {
        key: t.adminKey,
        body: { reason: 7 },
      }),
      400,
      "BAD_REQUEST",
    );
  });
});
