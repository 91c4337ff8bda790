import { describe, expect, it } from "vitest";
import { nodeKeyHeaders, registerNode } from "./fixtures";
import { call, createTenant, expectEnvelope } from "./harness";

describe("GET /api/v1/nodes/{node_id}/signing-keys", () => {
  it("lists the key a node pinned at registration, and the new one after a rotation", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const pinned = node.register.body.signing_keys.map((k) => k.kid);
    const before = await call("GET", `/api/v1/nodes/${node.nodeId}/signing-keys`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    expect(before.status).toBe(200);
    expect(before.body.signing_keys.map((k: { kid: string }) => k.kid)).toEqual(pinned);

    const rotated = await call("POST", `/api/v1/projects/${t.slug}/signing-keys/rotate`, {
      key: t.adminKey,
    });
    expect(rotated.status, rotated.text).toBe(200);
    const after = await call("GET", `/api/v1/nodes/${node.nodeId}/signing-keys`, {
      headers: nodeKeyHeaders(node.nodeKey),
    });
    const kids = after.body.signing_keys.map((k: { kid: string }) => k.kid);
    expect(kids).toHaveLength(2);
    expect(kids[1]).toBe(pinned[0]);
    expect(kids[0]).not.toBe(pinned[0]);
  });

  it("needs node credentials and the node's own id", async () => {
    const t = await createTenant();
    const a = await registerNode(t);
    const b = await registerNode(t);
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${a.nodeId}/signing-keys`),
      401,
      "UNAUTHORIZED",
    );
    expectEnvelope(
      await call("GET", `/api/v1/nodes/${a.nodeId}/signing-keys`, {
        headers: nodeKeyHeaders(b.nodeKey),
      }),
      403,
      "FORBIDDEN",
    );
  });
});
