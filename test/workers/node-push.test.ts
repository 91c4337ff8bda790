import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { shardFor } from "../../src/domain/node-shard";
import { PUSH_CLOSE } from "../../src/domain/push-protocol";
import { createCompiledBundle, nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope } from "./harness";
import { openPush, type PushClient } from "./push-client";

const SHARD_COUNT = Number(env.NODE_SHARD_COUNT ?? "16");

function shardOf(projectId: string, nodeId: string) {
  return env.NODE_SHARDS.get(env.NODE_SHARDS.idFromName(shardFor(projectId, nodeId, SHARD_COUNT)));
}

async function nodeJwt(nodeId: string, nodeKey: string): Promise<string> {
  const res = await call("POST", `/api/v1/nodes/${nodeId}/token`, {
    headers: nodeKeyHeaders(nodeKey),
  });
  expect(res.status, res.text).toBe(200);
  return res.body.token as string;
}

const open: PushClient[] = [];
async function connect(nodeId: string, headers: Record<string, string>, path?: string) {
  const client = await openPush(nodeId, headers, path);
  open.push(client);
  return client;
}

afterEach(() => {
  for (const c of open.splice(0)) {
    try {
      c.ws.close(1000, "test done");
    } catch {
      // already closed
    }
  }
});

describe("node push socket: connecting", () => {
  it("opens with the node key, says hello with the longer poll interval, and is on its shard", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const client = await connect(node.nodeId, nodeKeyHeaders(node.nodeKey));
    const hello = await client.next((m) => m.type === "hello");
    expect(hello).toEqual({ type: "hello", node_id: node.nodeId, poll_interval_s: 300 });
    expect(await shardOf(tenant.projectId, node.nodeId).connectedNodes()).toContain(node.nodeId);
  });

  it("opens with a node JWT in the Authorization header", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const token = await nodeJwt(node.nodeId, node.nodeKey);
    const client = await connect(node.nodeId, { authorization: `Bearer ${token}` });
    expect((await client.next((m) => m.type === "hello")).node_id).toBe(node.nodeId);
  });

  it("replaces an older socket of the same node (close 4000)", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const first = await connect(node.nodeId, nodeKeyHeaders(node.nodeKey));
    await first.next((m) => m.type === "hello");
    const second = await connect(node.nodeId, nodeKeyHeaders(node.nodeKey));
    await second.next((m) => m.type === "hello");
    expect((await first.close()).code).toBe(PUSH_CLOSE.replaced);
    expect(second.closed).toBeNull();
  });

  it("answers a plain GET (no upgrade) with 400 in the standard envelope", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const res = await call("GET", `/api/v1/nodes/${node.nodeId}/socket`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    expectEnvelope(res, 400, "BAD_REQUEST");
  });
});

describe("node push socket: authentication failures close with a clear code", () => {
  it("no credential: 4401 with the reason in an error message", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const client = await connect(node.nodeId, {});
    const closed = await client.close();
    expect(closed.code).toBe(PUSH_CLOSE.unauthorized);
    const error = await client.next((m) => m.type === "error");
    expect(error.error.code).toBe("UNAUTHORIZED");
    expect(error.error.message).toMatch(/Missing authentication/);
    expect(typeof error.error.request_id).toBe("string");
    expect(await shardOf(tenant.projectId, node.nodeId).connectedNodes()).not.toContain(
      node.nodeId,
    );
  });

  it("a credential in the URL is not a credential: 4401", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const token = await nodeJwt(node.nodeId, node.nodeKey);
    const path = `/api/v1/nodes/${node.nodeId}/socket?token=${token}&node_key=${node.nodeKey}`;
    const client = await connect(node.nodeId, {}, path);
    expect((await client.close()).code).toBe(PUSH_CLOSE.unauthorized);
  });

  it("a wrong key or a malformed JWT: 4401", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const bad = await connect(node.nodeId, nodeKeyHeaders("zn_not-a-real-key"));
    expect((await bad.close()).code).toBe(PUSH_CLOSE.unauthorized);
    const jwt = await connect(node.nodeId, { authorization: "Bearer not.a.jwt" });
    expect((await jwt.close()).code).toBe(PUSH_CLOSE.unauthorized);
  });

  it("another project's node: 4403, and nothing opens on either shard", async () => {
    const mine = await createTenant();
    const theirs = await createTenant();
    const victim = await registerNode(mine);
    const intruder = await registerNode(theirs);
    const client = await connect(victim.nodeId, nodeKeyHeaders(intruder.nodeKey));
    expect((await client.close()).code).toBe(PUSH_CLOSE.forbidden);
    const error = await client.next((m) => m.type === "error");
    expect(error.error.code).toBe("FORBIDDEN");
    expect(await shardOf(mine.projectId, victim.nodeId).connectedNodes()).not.toContain(
      victim.nodeId,
    );
    expect(await shardOf(theirs.projectId, intruder.nodeId).connectedNodes()).not.toContain(
      intruder.nodeId,
    );
  });

  it("a revoked node: 4410 on connect, and an open socket is closed 4410 on revocation", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const client = await connect(node.nodeId, nodeKeyHeaders(node.nodeKey));
    await client.next((m) => m.type === "hello");
    const revoke = await call("DELETE", `/api/v1/projects/${tenant.slug}/nodes/${node.nodeId}`, {
      key: tenant.adminKey,
    });
    expect(revoke.status, revoke.text).toBe(200);
    expect((await client.close()).code).toBe(PUSH_CLOSE.revoked);
    const again = await connect(node.nodeId, nodeKeyHeaders(node.nodeKey));
    expect((await again.close()).code).toBe(PUSH_CLOSE.revoked);
  });
});

describe("node push socket: offers", () => {
  it("an operator's assignment is pushed with exactly the poll's body", async () => {
    const tenant = await createTenant();
    const node = await registerNode(tenant);
    const bundle = await createCompiledBundle(tenant, { version: "pushed" });
    const client = await connect(node.nodeId, nodeKeyHeaders(node.nodeKey));
    await client.next((m) => m.type === "hello");
    const assign = await call(
      "POST",
      `/api/v1/projects/${tenant.slug}/nodes/${node.nodeId}/assign`,
      { key: tenant.adminKey, body: { bundle_id: bundle.bundleId } },
    );
    expect(assign.status, assign.text).toBe(200);
    const pushed = await client.next((m) => m.type === "offer");
    const poll = await call("GET", `/api/v1/nodes/${node.nodeId}/bundles/latest`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    expect(poll.status, poll.text).toBe(200);
    const { poll_after_s: pushedAfter, ...pushedBody } = pushed.offer;
    const { poll_after_s: polledAfter, ...polledBody } = poll.body;
    expect(pushedBody).toEqual(polledBody);
    expect(pushedBody.bundle_id).toBe(bundle.bundleId);
    expect(typeof pushedAfter).toBe("number");
    expect(typeof polledAfter).toBe("number");
  });

  it("pushes nothing to a node that has nothing new, and only to the nodes named", async () => {
    const tenant = await createTenant();
    const a = await registerNode(tenant);
    const b = await registerNode(tenant);
    const bundle = await createCompiledBundle(tenant, { version: "only-a" });
    const ca = await connect(a.nodeId, nodeKeyHeaders(a.nodeKey));
    const cb = await connect(b.nodeId, nodeKeyHeaders(b.nodeKey));
    await ca.next((m) => m.type === "hello");
    await cb.next((m) => m.type === "hello");
    const none = await shardOf(tenant.projectId, a.nodeId).pushOffers([a.nodeId]);
    expect(none).toEqual({ connected: 1, sent: 0 });
    const assign = await call("POST", `/api/v1/projects/${tenant.slug}/nodes/${a.nodeId}/assign`, {
      key: tenant.adminKey,
      body: { bundle_id: bundle.bundleId },
    });
    expect(assign.status, assign.text).toBe(200);
    await ca.next((m) => m.type === "offer");
    expect(cb.offers()).toEqual([]);
  });
});
