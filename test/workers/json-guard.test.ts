import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../src/domain/json-limits";
import { sampleConfig } from "./bundles-helpers";
import { changedTables, dbSnapshot } from "./db-snapshot";
import { createCompiledBundle, nodeKeyHeaders, registerNode } from "./fixtures";
import { type CallOptions, call, createTenant, expectEnvelope, type Tenant } from "./harness";

const LONE = "a\ud800b";

/** `{"a":{"a":…{"a":1}}}` with `levels` objects. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

/** Calls the route and checks that nothing in D1 changed. */
async function unchanged(method: string, path: string, opts: CallOptions) {
  const before = await dbSnapshot();
  const res = await call(method, path, opts);
  expect(changedTables(before, await dbSnapshot()), `${method} ${path}: ${res.text}`).toEqual([]);
  return res;
}

/** The four routes that answered 500 to a lone surrogate (issue 17), with otherwise valid bodies. */
function surrogateCases(t: Tenant): Array<[string, Record<string, unknown>]> {
  return [
    ["/api/v1/api-keys", { name: LONE, scopes: ["projects:read"] }],
    [`/api/v1/projects/${t.slug}/bundles`, { config: `// ${LONE}\n${sampleConfig()}` }],
    [
      `/api/v1/projects/${t.slug}/notification-channels`,
      { name: LONE, type: "webhook", url: "https://hooks.example.com/x" },
    ],
    [`/api/v1/projects/${t.slug}/enrollment-tokens`, { name: LONE }],
  ];
}

describe("JSON guard: strings that cannot be stored", () => {
  it("answers a lone surrogate with 400 naming the path, and changes nothing", async () => {
    const t = await createTenant();
    for (const [path, body] of surrogateCases(t)) {
      const err = expectEnvelope(
        await unchanged("POST", path, { key: t.adminKey, body }),
        400,
        "BAD_REQUEST",
      );
      const field = "config" in body ? "config" : "name";
      expect(err.details, path).toEqual([
        { path: field, message: expect.stringContaining("lone UTF-16 surrogate") },
      ]);
    }
  });

  it("rejects NUL characters, surrogates in keys and non-finite numbers, listing every problem", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await unchanged("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
        key: t.adminKey,
        rawBody: '{"name":"a\\u0000b","max_uses":1e400,"x":{"\\udc00":1},"y":[1,-1e999]}',
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path)).toEqual(["name", "max_uses", "x.(key)", "y.1"]);
    expect(err.details?.[0]?.message).toContain("NUL");
    expect(err.details?.[1]?.message).toContain("finite");
  });

  it("accepts well-formed surrogate pairs and other Unicode", async () => {
    const t = await createTenant();
    const res = await call("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
      key: t.adminKey,
      body: { name: "edge 🚀 Zürich – 東京" },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe("edge 🚀 Zürich – 東京");
  });

  it("rejects bytes that are not UTF-8 with 400", async () => {
    const t = await createTenant();
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"name":"'),
      0xff,
      0xfe,
      0x22,
      0x7d,
    ]);
    const res = await exports.default.fetch(
      new Request(`http://zcp.test/api/v1/projects/${t.slug}/enrollment-tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.adminKey}`, "content-type": "application/json" },
        body: bytes,
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("UTF-8"),
    });
  });
});

describe("JSON guard: shape of the body", () => {
  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and answers ${MAX_JSON_DEPTH + 1} with 413`, async () => {
    const t = await createTenant();
    const path = `/api/v1/projects/${t.slug}/enrollment-tokens`;
    // Unknown fields are ignored, so the nesting itself is all that can fail.
    const ok = await call("POST", path, {
      key: t.adminKey,
      rawBody: `{"name":"deep","extra":${nested(MAX_JSON_DEPTH - 1)}}`,
    });
    expect(ok.status, ok.text).toBe(201);
    const err = expectEnvelope(
      await unchanged("POST", path, {
        key: t.adminKey,
        rawBody: `{"name":"deeper","extra":${nested(MAX_JSON_DEPTH)}}`,
      }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expect(err.message).toContain(String(MAX_JSON_DEPTH));
  });

  it("answers 10,000-deep nesting on node reports and heartbeats with 413, changing nothing", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const bundle = await createCompiledBundle(t);
    const deep = `{"health":${nested(10_000)}}`;
    const headers = nodeKeyHeaders(node.nodeKey);
    const base = `/api/v1/nodes/${node.nodeId}`;
    for (const path of [
      `${base}/heartbeat`,
      ...["staged", "activated", "verified", "failed"].map(
        (kind) => `${base}/bundles/${bundle.bundleId}/${kind}`,
      ),
    ]) {
      expectEnvelope(
        await unchanged("POST", path, { headers, rawBody: deep }),
        413,
        "PAYLOAD_TOO_LARGE",
      );
    }
  });

  it("answers malformed JSON with 400 and the parser's position", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await unchanged("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
        key: t.adminKey,
        rawBody: '{"name": "x",',
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.message).toBe("Malformed JSON in request body");
    expect(err.details?.[0]?.path).toBe("(root)");
  });

  it("answers a non-JSON body with 415", async () => {
    const t = await createTenant();
    const path = `/api/v1/projects/${t.slug}/enrollment-tokens`;
    for (const contentType of ["application/x-www-form-urlencoded", "text/plain"]) {
      expectEnvelope(
        await unchanged("POST", path, {
          key: t.adminKey,
          rawBody: "name=x",
          headers: { "content-type": contentType },
        }),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
      );
    }
  });

  it("checks invalid credentials before the body: a bad API key is 401 whatever the body", async () => {
    const t = await createTenant();
    expectEnvelope(
      await unchanged("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
        key: "zcp_not-a-key",
        rawBody: nested(10_000),
      }),
      401,
      "UNAUTHORIZED",
    );
  });

  it("guards the GitHub webhook's JSON too", async () => {
    const res = await unchanged("POST", "/api/v1/webhooks/github", {
      rawBody: JSON.stringify({ repository: { full_name: LONE } }),
      headers: { "x-github-event": "push", "x-hub-signature-256": "sha256=00" },
    });
    expectEnvelope(res, 400, "BAD_REQUEST");
  });
});
