import { describe, expect, it } from "vitest";
import { verifyBundle } from "../../src/bundles/verify";
import { archiveBytes, compiled, sampleConfig } from "./bundles-helpers";
import { call, createTenant, expectEnvelope, keyForRole, type Tenant } from "./harness";

type KeyView = { kid: string; public_key: string; status: string; retired_at: string | null };

async function listKeys(t: Tenant, key = t.adminKey) {
  return call<{ keys: KeyView[] }>("GET", `/api/v1/projects/${t.slug}/signing-keys`, { key });
}

async function verifies(t: Tenant, bundle: Record<string, any>, keys: KeyView[]) {
  const result = await verifyBundle({
    archive: await archiveBytes(t, bundle.bundle_id),
    expectedChecksum: bundle.checksum,
    bundleId: bundle.bundle_id,
    publicKeys: keys.map((k) => ({ kid: k.kid, publicKey: k.public_key })),
  });
  return result.ok;
}

describe("signing keys", () => {
  it("lists one active Ed25519 key, created on first need and stable across reads", async () => {
    const t = await createTenant();
    const first = await listKeys(t);
    expect(first.status).toBe(200);
    expect(first.body.keys).toEqual([
      {
        kid: expect.stringMatching(/^zk_/),
        alg: "Ed25519",
        public_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        status: "active",
        created_at: expect.any(String),
        retired_at: null,
      },
    ]);
    expect((await listKeys(t)).body.keys).toEqual(first.body.keys);
  });

  it("rotation: new bundles use the new kid, the old key stays listed retired and still verifies", async () => {
    const t = await createTenant();
    const before = await compiled(t, { config: sampleConfig() });
    const oldKid = before.signing_key_id;

    const rotated = await call("POST", `/api/v1/projects/${t.slug}/signing-keys/rotate`, {
      key: t.adminKey,
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.retired_kid).toBe(oldKid);
    expect(rotated.body.active).toMatchObject({ status: "active", retired_at: null });
    const newKid = rotated.body.active.kid;
    expect(newKid).not.toBe(oldKid);

    const after = await compiled(t, { config: sampleConfig({ routePrefix: "/rotated" }) });
    expect(after.signing_key_id).toBe(newKid);

    const keys = (await listKeys(t)).body.keys;
    expect(keys.map((k) => [k.kid, k.status])).toEqual([
      [newKid, "active"],
      [oldKid, "retired"],
    ]);
    expect(keys[1]?.retired_at).toEqual(expect.any(String));
    expect(await verifies(t, before, keys)).toBe(true);
    expect(await verifies(t, after, keys)).toBe(true);
    // Pinning only the new key must reject the old bundle: the kid really changed.
    expect(await verifies(t, before, keys.slice(0, 1))).toBe(false);

    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=signing_key.rotated`,
      { key: t.adminKey },
    );
    expect(audit.body.items[0].diff).toEqual({
      before: { active_kid: oldKid },
      after: { active_kid: newKid },
    });
  });

  it("security: 401 without a key, reader can list but not rotate, operator cannot rotate, other tenant 404", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const reader = await keyForRole(t.orgId, "reader");
    const operator = await keyForRole(t.orgId, "operator");
    const path = `/api/v1/projects/${t.slug}/signing-keys`;
    expectEnvelope(await call("GET", path), 401, "UNAUTHORIZED");
    expectEnvelope(await call("POST", `${path}/rotate`), 401, "UNAUTHORIZED");
    expect((await listKeys(t, reader)).status).toBe(200);
    expectEnvelope(await call("POST", `${path}/rotate`, { key: reader }), 403, "FORBIDDEN");
    expectEnvelope(await call("POST", `${path}/rotate`, { key: operator }), 403, "FORBIDDEN");
    expectEnvelope(await call("GET", path, { key: other.adminKey }), 404, "NOT_FOUND");
    expectEnvelope(await call("POST", `${path}/rotate`, { key: other.adminKey }), 404, "NOT_FOUND");
    expect((await listKeys(t)).body.keys).toHaveLength(1);
  });
});
