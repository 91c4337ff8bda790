import { describe, expect, it } from "vitest";
import { zstdDecompress } from "../../src/bundles/zstd";
import { archiveBytes, bundleCount, settled } from "./bundles-helpers";
import { CERTS, configPath, createEntity, seedModel } from "./config-helpers";
import { call, createTenant, expectEnvelope, keyForRole } from "./harness";

const preview = (t: { slug: string; adminKey: string }, qs = "") =>
  call("GET", `/api/v1/projects/${t.slug}/config/preview${qs}`, { key: t.adminKey });
const compile = (t: { slug: string; adminKey: string }, body: Record<string, unknown> = {}) =>
  call("POST", `/api/v1/projects/${t.slug}/config/compile`, { key: t.adminKey, body });

describe("config preview and compile", () => {
  it("previews valid KDL with the secret as a node path, compiles it into a bundle from the model", async () => {
    const t = await createTenant();
    const secret = `value-${crypto.randomUUID()}`;
    await seedModel(t, secret);
    const res = await preview(t);
    expect(res.status, res.text).toBe(200);
    expect(res.body.valid, JSON.stringify(res.body.diagnostics)).toBe(true);
    const text: string = res.body.files["zentinel.kdl"];
    expect(text).toContain('route "api"');
    expect(text).toContain('filters "api-limit" "zcp.plugin.signer"');
    expect(text).toContain('key-file "/var/lib/zentinel-agent/secrets/signer-key"');
    expect(text).toMatch(/secret-versions: sha256:[0-9a-f]{64}/);
    expect(res.text).not.toContain(secret);
    expect(res.body.secret_refs).toEqual([{ kind: "secret", name: "signer-key" }]);
    expect(res.body.diff).toBeNull();

    const submitted = await compile(t, { version: "model-1" });
    expect(submitted.status, submitted.text).toBe(202);
    expect(submitted.body).toMatchObject({ version: "model-1", source: { type: "model" } });
    const bundle = await settled(t, submitted.body.bundle_id);
    expect(bundle.status).toBe("compiled");
    const archive = zstdDecompress(await archiveBytes(t, bundle.bundle_id));
    expect(new TextDecoder().decode(archive)).not.toContain(secret);
    expect(new TextDecoder().decode(archive)).toContain("signer-key");

    // Same model → same bundle (200); the preview now diffs against it and shows no change.
    const again = await compile(t);
    expect(again.status).toBe(200);
    expect(again.body.bundle_id).toBe(bundle.bundle_id);
    const p2 = await preview(t);
    expect(p2.body.diff).toMatchObject({
      against: bundle.bundle_id,
      unified: "",
      added: 0,
      removed: 0,
    });
  });

  it("rotating a referenced secret changes the next bundle id; the text differs only in the digest", async () => {
    const t = await createTenant();
    await seedModel(t, "first");
    const first = await compile(t);
    await settled(t, first.body.bundle_id);
    const rotated = await call("PUT", `${configPath(t.slug, "secrets")}/signer-key`, {
      key: t.adminKey,
      body: { value: "second" },
    });
    expect(rotated.status).toBe(200);
    const p = await preview(t);
    expect(p.body.diff.added).toBe(1);
    expect(p.body.diff.removed).toBe(1);
    expect(p.body.diff.unified).toMatch(/\n-\/\/ secret-versions: sha256:/);
    const second = await compile(t);
    expect(second.status).toBe(202);
    expect(second.body.bundle_id).not.toBe(first.body.bundle_id);
  });

  it("attaches certificates to a TLS listener by SNI and references their files", async () => {
    const t = await createTenant();
    await seedModel(t, "v");
    for (const name of ["www", "api"]) {
      await createEntity(t, "certificates", {
        name,
        cert_pem: CERTS[`${name}.crt`],
        key_pem: CERTS[`${name}.key`],
      });
    }
    await createEntity(t, "listeners", {
      name: "https",
      address: "0.0.0.0:8443",
      protocol: "https",
      certificates: ["www", "api"],
    });
    const res = await preview(t);
    expect(res.body.valid, JSON.stringify(res.body.diagnostics)).toBe(true);
    const text: string = res.body.files["zentinel.kdl"];
    expect(text).toContain('cert-file "/var/lib/zentinel-agent/secrets/cert-www.crt"');
    expect(text).toContain('hostnames "api.example.test"');
    expect(res.body.secret_refs).toEqual([
      { kind: "certificate", name: "api" },
      { kind: "certificate", name: "www" },
      { kind: "secret", name: "signer-key" },
    ]);
    expect(text).not.toContain("PRIVATE KEY");
  });

  it("a model the validator rejects is 422 listing every error with line and column, and no bundle", async () => {
    const t = await createTenant();
    await createEntity(t, "upstream-groups", {
      name: "backend",
      targets: [{ address: "10.0.0.1:80" }],
    });
    // No listener, and a catch-all service without the low priority the proxy requires.
    await createEntity(t, "services", { name: "api", upstream_group: "backend" });
    const p = await preview(t);
    expect(p.body.valid).toBe(false);
    const errors = p.body.diagnostics.filter((d: { severity: string }) => d.severity === "error");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((d: { line?: number }) => typeof d.line === "number")).toBe(true);
    const res = await compile(t);
    const err = expectEnvelope(res, 422, "INVALID_CONFIG");
    expect(err.details?.length).toBe(errors.length);
    expect(await bundleCount(t.projectId)).toBe(0);
  });

  it("needs config:write and bundles:write to compile; readers may preview", async () => {
    const t = await createTenant();
    await seedModel(t, "v");
    const reader = await keyForRole(t.orgId, "reader");
    expect(
      (await call("GET", `/api/v1/projects/${t.slug}/config/preview`, { key: reader })).status,
    ).toBe(200);
    expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/config/compile`, { key: reader, body: {} }),
      403,
      "FORBIDDEN",
    );
    const other = await createTenant();
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/config/preview`, { key: other.adminKey }),
      404,
      "NOT_FOUND",
    );
    expect(await bundleCount(t.projectId)).toBe(0);
  });
});
