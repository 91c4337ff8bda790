import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { NODE_JWT_TTL_S, signNodeJwt } from "../../src/auth/node-jwt";
import { activeSigningKey, nodeKeyHeaders, nodeRow, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope } from "./harness";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function mintToken(nodeKey: string, nodeId: string) {
  const res = await call("POST", `/api/v1/nodes/${nodeId}/token`, {
    headers: nodeKeyHeaders(nodeKey),
  });
  expect(res.status, res.text).toBe(200);
  return res.body as { token: string; token_type: string; expires_at: string; expires_in: number };
}

/** A JWT for `nodeId` signed with project `signerProjectId`'s real key, issued at `now`. */
async function forgeToken(opts: {
  signerProjectId: string;
  nodeId: string;
  projectId: string;
  now: number;
}) {
  const row = await nodeRow(opts.nodeId);
  const key = await activeSigningKey(opts.signerProjectId);
  const { token } = await signNodeJwt({
    kid: key.kid,
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    nodeId: opts.nodeId,
    projectId: opts.projectId,
    keyHash: String(row?.key_hash),
    now: opts.now,
  });
  return token;
}

describe("node JWTs", () => {
  it("issues an EdDSA JWT with kid, iss, aud, sub, prj, iat and a 12 h exp that verifies with the published key", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const before = Math.floor(Date.now() / 1000);
    const issued = await mintToken(node.nodeKey, node.nodeId);
    expect(issued.token_type).toBe("Bearer");
    expect(issued.expires_in).toBeGreaterThan(NODE_JWT_TTL_S - 5);
    expect(issued.expires_in).toBeLessThanOrEqual(NODE_JWT_TTL_S);
    const header = decodeProtectedHeader(issued.token);
    const claims = decodeJwt(issued.token);
    const [published] = node.register.body.signing_keys;
    if (!published) {
      throw new Error("register returned no signing key");
    }
    expect(header).toMatchObject({ alg: "EdDSA", kid: published.kid });
    expect(claims).toMatchObject({
      iss: "zentinel-control-plane",
      aud: "zentinel-node",
      sub: node.nodeId,
      prj: t.projectId,
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(NODE_JWT_TTL_S);
    expect(Number(claims.iat)).toBeGreaterThanOrEqual(before);
    expect(new Date(issued.expires_at).getTime()).toBe(Number(claims.exp) * 1000);
    const pub = await importJWK({ kty: "OKP", crv: "Ed25519", x: published.public_key }, "EdDSA");
    await expect(jwtVerify(issued.token, pub)).resolves.toBeTruthy();
    await expect.poll(async () => (await nodeRow(node.nodeId))?.token_issued_at).not.toBeNull();
  });

  it("authenticates node routes with the JWT", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const { token } = await mintToken(node.nodeKey, node.nodeId);
    const hb = await call("POST", `/api/v1/nodes/${node.nodeId}/heartbeat`, {
      headers: bearer(token),
      body: {},
    });
    expect(hb.status, hb.text).toBe(200);
    const poll = await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, {
      headers: bearer(token),
    });
    expect(poll.body.no_update).toBe(true);
  });

  it("refuses to mint a JWT (or rotate the key) with a JWT: the static key is required", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const { token } = await mintToken(node.nodeKey, node.nodeId);
    for (const path of ["token", "rotate-key"]) {
      const err = expectEnvelope(
        await call("POST", `/api/v1/nodes/${node.nodeId}/${path}`, { headers: bearer(token) }),
        401,
        "UNAUTHORIZED",
      );
      expect(err.message).toMatch(/X-Zentinel-Node-Key/);
    }
    // With both headers, the key is what these routes use.
    const both = await call("POST", `/api/v1/nodes/${node.nodeId}/token`, {
      headers: { ...bearer(token), ...nodeKeyHeaders(node.nodeKey) },
    });
    expect(both.status).toBe(200);
  });
});

describe("node auth failures", () => {
  it("401s a request without credentials, with the original protocol's message", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const err = expectEnvelope(
      await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`),
      401,
      "UNAUTHORIZED",
    );
    expect(err.message).toBe(
      "Missing authentication. Provide Authorization: Bearer <token> or X-Zentinel-Node-Key header.",
    );
  });

  it("401s a wrong key", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const err = expectEnvelope(
      await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, {
        headers: nodeKeyHeaders(`${node.nodeKey.slice(0, -1)}x`),
      }),
      401,
      "UNAUTHORIZED",
    );
    expect(err.message).toBe("Invalid node key");
  });

  it("403s a valid credential used on another node's path, key and JWT alike", async () => {
    const t = await createTenant();
    const a = await registerNode(t);
    const b = await registerNode(t);
    const { token } = await mintToken(a.nodeKey, a.nodeId);
    for (const headers of [nodeKeyHeaders(a.nodeKey), bearer(token)]) {
      expectEnvelope(
        await call("POST", `/api/v1/nodes/${b.nodeId}/heartbeat`, { headers, body: {} }),
        403,
        "FORBIDDEN",
      );
    }
    expect((await nodeRow(b.nodeId))?.last_heartbeat_at).toBeNull();
  });

  it("401s a revoked node's key and JWT", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const { token } = await mintToken(node.nodeKey, node.nodeId);
    const revoked = await call("DELETE", `/api/v1/projects/${t.slug}/nodes/${node.nodeId}`, {
      key: t.adminKey,
    });
    expect(revoked.status).toBe(200);
    for (const headers of [nodeKeyHeaders(node.nodeKey), bearer(token)]) {
      const err = expectEnvelope(
        await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, { headers }),
        401,
        "UNAUTHORIZED",
      );
      expect(err.message).toBe("Node has been revoked");
    }
  });

  it("401s an expired JWT with 'Token expired'", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const token = await forgeToken({
      signerProjectId: t.projectId,
      nodeId: node.nodeId,
      projectId: t.projectId,
      now: Date.now() - (NODE_JWT_TTL_S + 60) * 1000,
    });
    const err = expectEnvelope(
      await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, { headers: bearer(token) }),
      401,
      "UNAUTHORIZED",
    );
    expect(err.message).toBe("Token expired");
  });

  it("401s a JWT signed by another project's key", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const node = await registerNode(t);
    const token = await forgeToken({
      signerProjectId: other.projectId,
      nodeId: node.nodeId,
      projectId: t.projectId,
      now: Date.now(),
    });
    const err = expectEnvelope(
      await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, { headers: bearer(token) }),
      401,
      "UNAUTHORIZED",
    );
    expect(err.message).toBe("Unknown signing key");
  });

  it("401s a JWT naming another project, a tampered JWT and garbage", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const wrongProject = await forgeToken({
      signerProjectId: t.projectId,
      nodeId: node.nodeId,
      projectId: crypto.randomUUID(),
      now: Date.now(),
    });
    const { token } = await mintToken(node.nodeKey, node.nodeId);
    const [h, p, s] = token.split(".");
    const tampered = `${h}.${p}.${s?.startsWith("A") ? "B" : "A"}${s?.slice(1)}`;
    const cases: Array<[string, RegExp]> = [
      [wrongProject, /does not belong to this node/],
      [tampered, /Invalid token signature/],
      ["not.a.jwt", /Authentication failed/],
    ];
    for (const [jwt, message] of cases) {
      const err = expectEnvelope(
        await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, { headers: bearer(jwt) }),
        401,
        "UNAUTHORIZED",
      );
      expect(err.message).toMatch(message);
    }
  });
});

describe("rotate-key", () => {
  it("returns a new key; the old key and JWTs minted with it stop working at once; audited", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const { token } = await mintToken(node.nodeKey, node.nodeId);
    const rotated = await call("POST", `/api/v1/nodes/${node.nodeId}/rotate-key`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.node_key as string;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(node.nodeKey);
    const poll = (headers: Record<string, string>) =>
      call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, { headers });
    expectEnvelope(await poll(nodeKeyHeaders(node.nodeKey)), 401, "UNAUTHORIZED");
    expect(expectEnvelope(await poll(bearer(token)), 401, "UNAUTHORIZED").message).toMatch(
      /rotated/,
    );
    expect((await poll(nodeKeyHeaders(fresh))).status).toBe(200);
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=node.key_rotated`,
      {
        key: t.adminKey,
      },
    );
    expect(audit.body.items[0]).toMatchObject({ actor_type: "node", actor_id: node.nodeId });
  });
});
