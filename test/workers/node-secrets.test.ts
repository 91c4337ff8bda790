import { describe, expect, it } from "vitest";
import { settled } from "./bundles-helpers";
import { CERTS, configPath, createEntity, seedModel } from "./config-helpers";
import { nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope, type Tenant } from "./harness";

async function compiledModel(t: Tenant) {
  const res = await call("POST", `/api/v1/projects/${t.slug}/config/compile`, {
    key: t.adminKey,
    body: {},
  });
  expect([200, 202], res.text).toContain(res.status);
  const bundle = await settled(t, res.body.bundle_id);
  expect(bundle.status).toBe("compiled");
  return bundle.bundle_id as string;
}

const assign = (t: { slug: string; adminKey: string }, nodeId: string, bundleId: string) =>
  call("POST", `/api/v1/projects/${t.slug}/nodes/${nodeId}/assign`, {
    key: t.adminKey,
    body: { bundle_id: bundleId },
  });

describe("node secrets route", () => {
  it("serves exactly the desired bundle's secrets and certificate files, not stored in the archive", async () => {
    const t = await createTenant();
    const value = `s-${crypto.randomUUID()}`;
    await seedModel(t, value);
    await createEntity(t, "secrets", { name: "unused", value: "not-referenced" });
    await createEntity(t, "certificates", {
      name: "www",
      cert_pem: CERTS["www.crt"],
      key_pem: CERTS["www.key"],
      chain_pem: CERTS["chain.crt"],
    });
    await createEntity(t, "listeners", {
      name: "https",
      address: "0.0.0.0:8443",
      protocol: "https",
      certificates: ["www"],
    });
    const bundleId = await compiledModel(t);
    const node = await registerNode(t);
    const auth = { headers: nodeKeyHeaders(node.nodeKey) };
    const path = `/api/v1/nodes/${node.nodeId}/secrets?bundle=${bundleId}`;

    expectEnvelope(await call("GET", path, auth), 403, "FORBIDDEN");
    expect((await assign(t, node.nodeId, bundleId)).status).toBe(200);
    const res = await call("GET", path, auth);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.body.missing).toEqual([]);
    expect(res.body.files.map((f: { path: string }) => f.path)).toEqual([
      "cert-www.crt",
      "cert-www.key",
      "signer-key",
    ]);
    const byPath = Object.fromEntries(
      res.body.files.map((f: { path: string; content: string }) => [f.path, f.content]),
    );
    expect(byPath["signer-key"]).toBe(value);
    expect(byPath["cert-www.key"]).toBe(CERTS["www.key"]);
    expect(byPath["cert-www.crt"]).toContain((CERTS["chain.crt"] ?? "").trim());
    expect(res.text).not.toContain("not-referenced");

    // Rotation: the same bundle now gets the new value; a fresh compile gets a new id.
    await call("PUT", `${configPath(t.slug, "secrets")}/signer-key`, {
      key: t.adminKey,
      body: { value: "rotated" },
    });
    const after = await call("GET", path, auth);
    expect(after.body.files.find((f: { path: string }) => f.path === "signer-key").version).toBe(2);
    const next = await compiledModel(t);
    expect(next).not.toBe(bundleId);
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${node.nodeId}/secrets?bundle=${next}`, auth),
      403,
      "FORBIDDEN",
    );
  });

  it("is node-authenticated and only for the caller's own node id", async () => {
    const t = await createTenant();
    await seedModel(t, "v");
    const bundleId = await compiledModel(t);
    const a = await registerNode(t);
    const b = await registerNode(t);
    await assign(t, a.nodeId, bundleId);
    const path = `/api/v1/nodes/${a.nodeId}/secrets?bundle=${bundleId}`;
    expectEnvelope(await call("GET", path), 401, "UNAUTHORIZED");
    expectEnvelope(
      await call("GET", path, { headers: nodeKeyHeaders(b.nodeKey) }),
      403,
      "FORBIDDEN",
    );
    expectEnvelope(await call("GET", path, { key: t.adminKey }), 401, "UNAUTHORIZED");
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${a.nodeId}/secrets?bundle=nothex`, {
        headers: nodeKeyHeaders(a.nodeKey),
      }),
      400,
      "BAD_REQUEST",
    );
    // Another project's node with the same bundle id assigned cannot read this project's secrets.
    const other = await createTenant();
    const stranger = await registerNode(other);
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${stranger.nodeId}/secrets?bundle=${bundleId}`, {
        headers: nodeKeyHeaders(stranger.nodeKey),
      }),
      403,
      "FORBIDDEN",
    );
  });
});
