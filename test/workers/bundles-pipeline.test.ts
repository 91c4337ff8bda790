import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SBOM_PATH } from "../../src/bundles/manifest";
import { archiveEntry } from "../../src/bundles/pipeline";
import { verifyBundle } from "../../src/bundles/verify";
import { NO_BASELINE_REASON } from "../../src/domain/risk";
import {
  archiveBytes,
  bundleCount,
  compiled,
  download,
  insertBundle,
  sampleConfig,
  settled,
  submit,
} from "./bundles-helpers";
import { call, createTenant, expectEnvelope } from "./harness";

const HEX64 = /^[0-9a-f]{64}$/;

describe("bundles: submit → compile → download → verify", () => {
  it("compiles through the real queue consumer and the archive verifies with the published key", async () => {
    const t = await createTenant();
    const res = await submit(t, {
      config: sampleConfig(),
      source: { type: "git", ref: "main@abc" },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      status: "pending",
      sequence: 1,
      version: "v1",
      source: { type: "git", ref: "main@abc" },
      checksum: null,
    });
    expect(res.body.bundle_id).toMatch(HEX64);
    expect(res.body.warnings.map((w: { rule: string }) => w.rule)).toContain("skipped-network");
    expect(res.body.warnings[0]).toMatchObject({ file: "zentinel.kdl", line: expect.any(Number) });

    const bundle = await settled(t, res.body.bundle_id);
    expect(bundle).toMatchObject({
      bundle_id: res.body.bundle_id,
      status: "compiled",
      risk: "low",
      risk_reasons: [NO_BASELINE_REASON],
      compile_attempts: 1,
      created_by: expect.stringMatching(/^api_key:/),
    });
    expect(bundle.checksum).toMatch(HEX64);
    expect(bundle.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(bundle.size_bytes).toBeGreaterThan(0);
    expect(bundle.compile_duration_ms).toBeGreaterThanOrEqual(0);
    expect(bundle.compiled_at).not.toBeNull();
    expect(bundle.manifest).toMatchObject({ entrypoint: "zentinel.kdl", schema_version: 1 });
    expect(bundle.compiler_output).toMatch(/configuration valid/);

    const keys = await call("GET", `/api/v1/projects/${t.slug}/signing-keys`, { key: t.adminKey });
    expect(keys.status).toBe(200);
    expect(keys.body.keys).toHaveLength(1);
    expect(keys.body.keys[0]).toMatchObject({ kid: bundle.signing_key_id, status: "active" });

    const head = await download(t, bundle.bundle_id);
    expect(head.headers.get("content-type")).toBe("application/zstd");
    expect(head.headers.get("etag")).toBe(`"${bundle.checksum}"`);
    const bytes = await archiveBytes(t, bundle.bundle_id);
    expect(bytes.byteLength).toBe(bundle.size_bytes);
    const verified = await verifyBundle({
      archive: bytes,
      expectedChecksum: bundle.checksum,
      bundleId: bundle.bundle_id,
      publicKeys: keys.body.keys.map((k: { kid: string; public_key: string }) => ({
        kid: k.kid,
        publicKey: k.public_key,
      })),
    });
    expect(verified.ok, JSON.stringify(verified)).toBe(true);
    if (verified.ok) {
      expect(new TextDecoder().decode(verified.files["zentinel.kdl"])).toBe(sampleConfig());
    }

    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs?limit=10`, {
      key: t.adminKey,
    });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["bundle.created", "bundle.compiled"]));
  });

  it("dedupes: the same content is the same bundle (200), and stores one row", async () => {
    const t = await createTenant();
    const first = await compiled(t, { config: sampleConfig() });
    const again = await submit(t, { config: sampleConfig(), version: "ignored-label" });
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({
      bundle_id: first.bundle_id,
      status: "compiled",
      version: "v1",
      sequence: 1,
    });
    expect(await bundleCount(t.projectId)).toBe(1);

    const pending = await submit(t, { config: sampleConfig({ routePrefix: "/v2" }) });
    const twice = await submit(t, { config: sampleConfig({ routePrefix: "/v2" }) });
    expect(pending.status).toBe(202);
    expect([200, 202]).toContain(twice.status);
    expect(twice.body.bundle_id).toBe(pending.body.bundle_id);
    expect(twice.body.sequence).toBe(2);
    expect(await bundleCount(t.projectId)).toBe(2);
  });

  it("any change to any file changes the id; unreferenced files are left out with a warning", async () => {
    const t = await createTenant();
    const entry = `${sampleConfig()}include "extra/*.kdl"\n`;
    const extra =
      'routes {\n    route "docs" {\n        matches {\n            path-prefix "/docs"\n        }\n        upstream "backend"\n    }\n}\n';
    const a = await submit(t, { config: entry, files: { "extra/docs.kdl": extra } });
    const b = await submit(t, {
      config: entry,
      files: { "extra/docs.kdl": extra.replace("/docs", "/doc") },
    });
    const c = await submit(t, {
      config: entry,
      files: { "extra/docs.kdl": extra, "unused/x.kdl": "// not included\n" },
    });
    expect(a.status, a.text).toBe(202);
    expect(b.status, b.text).toBe(202);
    expect(b.body.bundle_id).not.toBe(a.body.bundle_id);
    expect(c.body.bundle_id).toBe(a.body.bundle_id);
    expect(c.body.warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: "unused/x.kdl", rule: "unreferenced-file" }),
      ]),
    );
    const config = await call(
      "GET",
      `/api/v1/projects/${t.slug}/bundles/${a.body.bundle_id}/config`,
      {
        key: t.adminKey,
      },
    );
    expect(config.body).toEqual({
      bundle_id: a.body.bundle_id,
      entry: "zentinel.kdl",
      files: { "zentinel.kdl": entry, "extra/docs.kdl": extra },
    });
  });

  it("numbers bundles per project and defaults the version to v<sequence>", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const one = await submit(t, { config: sampleConfig(), version: "release-1" });
    const two = await submit(t, { config: sampleConfig({ routePrefix: "/b" }) });
    const elsewhere = await submit(other, { config: sampleConfig() });
    expect([one.body.sequence, one.body.version]).toEqual([1, "release-1"]);
    expect([two.body.sequence, two.body.version]).toEqual([2, "v2"]);
    expect(elsewhere.body.sequence).toBe(1);
    expect(elsewhere.body.bundle_id).not.toBe(one.body.bundle_id);
  });

  it("gives concurrent submissions of different content distinct sequences", async () => {
    const t = await createTenant();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        submit(t, { config: sampleConfig({ routePrefix: `/p${i}` }) }),
      ),
    );
    for (const r of results) {
      expect(r.status, r.text).toBe(202);
    }
    expect(results.map((r) => r.body.sequence).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("bundles: read routes", () => {
  it("lists newest first with a status filter and cursor pages", async () => {
    const t = await createTenant();
    await compiled(t, { config: sampleConfig() });
    await compiled(t, { config: sampleConfig({ routePrefix: "/b" }) });
    await submit(t, { config: sampleConfig({ routePrefix: "/c" }) });
    const all = await call("GET", `/api/v1/projects/${t.slug}/bundles?limit=2`, {
      key: t.adminKey,
    });
    expect(all.status).toBe(200);
    expect(all.body.items.map((b: { sequence: number }) => b.sequence)).toEqual([3, 2]);
    expect(all.body.items[0].manifest).toBeUndefined();
    const rest = await call(
      "GET",
      `/api/v1/projects/${t.slug}/bundles?limit=2&cursor=${all.body.next_cursor}`,
      { key: t.adminKey },
    );
    expect(rest.body.items.map((b: { sequence: number }) => b.sequence)).toEqual([1]);
    expect(rest.body.next_cursor).toBeNull();
    const compiledOnly = await call("GET", `/api/v1/projects/${t.slug}/bundles?status=compiled`, {
      key: t.adminKey,
    });
    expect(compiledOnly.body.items.map((b: { sequence: number }) => b.sequence)).toEqual([2, 1]);
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/bundles?status=shipped`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
  });

  it("serves the SBOM byte-identical to the archive's sbom.cdx.json, also before compiling", async () => {
    const t = await createTenant();
    const bundle = await compiled(t, { config: sampleConfig() });
    const sbom = await call("GET", `/api/v1/projects/${t.slug}/bundles/${bundle.bundle_id}/sbom`, {
      key: t.adminKey,
    });
    expect(sbom.status).toBe(200);
    expect(sbom.headers.get("content-type")).toMatch(/^application\/vnd\.cyclonedx\+json/);
    const shipped = archiveEntry(await archiveBytes(t, bundle.bundle_id), SBOM_PATH);
    expect(sbom.text).toBe(new TextDecoder().decode(shipped ?? new Uint8Array()));
    expect(sbom.body).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.5" });
    const names = sbom.body.components.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(["api", "backend", "http", "zentinel.kdl"]));

    // Not compiled (no archive to read): the SBOM is rebuilt from the stored config, identically.
    await env.DB.prepare("UPDATE bundles SET status = 'failed' WHERE id = ?")
      .bind(bundle.bundle_id)
      .run();
    const rebuilt = await call(
      "GET",
      `/api/v1/projects/${t.slug}/bundles/${bundle.bundle_id}/sbom`,
      {
        key: t.adminKey,
      },
    );
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.text).toBe(sbom.text);
  });

  it("answers 409 for the SBOM of a bundle whose config does not validate", async () => {
    const t = await createTenant();
    const id = await insertBundle(t, "listeners {\n", { status: "failed" });
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/bundles/${id}/sbom`, { key: t.adminKey }),
      409,
      "CONFLICT",
    );
  });

  it("404s unknown bundles and 400s malformed ids", async () => {
    const t = await createTenant();
    const missing = "0".repeat(64);
    for (const suffix of ["", "/download", "/config", "/sbom", "/diff"]) {
      expectEnvelope(
        await call("GET", `/api/v1/projects/${t.slug}/bundles/${missing}${suffix}`, {
          key: t.adminKey,
        }),
        404,
        "NOT_FOUND",
      );
    }
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/bundles/NOT-A-DIGEST`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
  });

  it("answers 409 for downloading a bundle that is not compiled yet", async () => {
    const t = await createTenant();
    const pending = await insertBundle(t, sampleConfig());
    const failed = await insertBundle(t, sampleConfig({ routePrefix: "/f" }), { status: "failed" });
    for (const id of [pending, failed]) {
      const err = expectEnvelope(await download(t, id), 409, "CONFLICT");
      expect(err.message).toMatch(/not compiled/);
    }
  });
});
