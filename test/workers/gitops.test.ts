import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hmacSha256Hex } from "../../src/auth/crypto";
import { sampleConfig } from "./bundles-helpers";
import { call, createTenant, expectEnvelope, keyForRole, type Tenant } from "./harness";

const SHA = "4f2a9c1e0b7d3a5c8e6f1a2b3c4d5e6f7a8b9c0d";
const integration = (slug: string) => `/api/v1/projects/${slug}/integrations/github`;
let repoCounter = 0;

/** A repository name unique to this test (projects are matched by repository). */
const uniqueRepo = () => `acme/edge-${Date.now().toString(36)}-${repoCounter++}`;

afterEach(() => {
  vi.restoreAllMocks();
});

async function connect(t: Tenant, body: Record<string, unknown>) {
  const res = await call("PUT", integration(t.slug), { key: t.adminKey, body });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

function pushPayload(repo: string, overrides: Record<string, unknown> = {}) {
  return {
    ref: "refs/heads/main",
    after: SHA,
    repository: { full_name: repo },
    commits: [{ added: [], modified: ["zentinel.kdl"], removed: [] }],
    ...overrides,
  };
}

/** Sends a delivery signed with `secret` (or with an explicit signature header). */
async function deliver(
  payload: unknown,
  opts: { secret?: string; signature?: string; event?: string; contentType?: string } = {},
) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": opts.contentType ?? "application/json",
    "x-github-event": opts.event ?? "push",
    "x-github-delivery": "d-1",
  };
  if (opts.signature !== undefined) {
    headers["x-hub-signature-256"] = opts.signature;
  } else if (opts.secret !== undefined) {
    headers["x-hub-signature-256"] = `sha256=${await hmacSha256Hex(opts.secret, body)}`;
  }
  return call("POST", "/api/v1/webhooks/github", { rawBody: body, headers });
}

/** Serves `files` (URL → body) for the config fetch and records the requests. */
function fakeGithub(files: Record<string, string>) {
  const requests: Request[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    requests.push(request);
    const body = files[request.url];
    return body === undefined
      ? new Response("404: Not Found", { status: 404 })
      : new Response(body);
  });
  return requests;
}

const rawUrl = (repo: string, path = "zentinel.kdl") =>
  `https://raw.githubusercontent.com/${repo}/${SHA}/${path}`;

describe("GitHub integration: happy path", () => {
  it("stores settings and sealed secrets, shows them without values, and audits", async () => {
    const t = await createTenant();
    const repo = uniqueRepo();
    const put = await connect(t, {
      repo,
      branch: "release",
      path: "proxy/zentinel.kdl",
      secret: "webhook-secret-0123456789",
      token: "ghp_private_token_value",
    });
    expect(put).toEqual({
      configured: true,
      repo,
      branch: "release",
      path: "proxy/zentinel.kdl",
      auto_rollout: false,
      secret_set: true,
      token_set: true,
      webhook_url: "http://zcp.test/api/v1/webhooks/github",
    });
    expect((await call("GET", integration(t.slug), { key: t.adminKey })).body).toEqual(put);
    const project = await call("GET", `/api/v1/projects/${t.slug}`, { key: t.adminKey });
    expect(project.body.settings.github).toEqual({
      repo,
      branch: "release",
      path: "proxy/zentinel.kdl",
      auto_rollout: false,
    });
    const sealed = await env.DB.prepare(
      "SELECT name, value_enc FROM project_secrets WHERE project_id = ? ORDER BY name",
    )
      .bind(t.projectId)
      .all<{ name: string; value_enc: string }>();
    expect(sealed.results.map((r) => r.name)).toEqual(["github_token", "github_webhook"]);
    expect(JSON.stringify(sealed.results)).not.toMatch(/webhook-secret|ghp_private/);
    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs`, { key: t.adminKey });
    expect(audit.body.items[0].action).toBe("integration.github.updated");
    expect(audit.text).not.toMatch(/webhook-secret|ghp_private/);

    // Removing the token keeps the rest; deleting disconnects.
    const noToken = await connect(t, { repo, secret: "webhook-secret-0123456789", token: null });
    expect(noToken).toMatchObject({ token_set: false, branch: "main", path: "zentinel.kdl" });
    expect((await call("DELETE", integration(t.slug), { key: t.adminKey })).status).toBe(204);
    expect((await call("GET", integration(t.slug), { key: t.adminKey })).body).toMatchObject({
      configured: false,
      repo: null,
      secret_set: false,
    });
  });

  it("turns a signed push touching the config into a git bundle of that commit", async () => {
    const t = await createTenant();
    const repo = uniqueRepo();
    const secret = "webhook-secret-0123456789";
    await connect(t, { repo, secret, token: "ghp_private_token_value" });
    const requests = fakeGithub({ [rawUrl(repo)]: sampleConfig() });

    const res = await deliver(pushPayload(repo), { secret });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      delivery: "d-1",
      event: "push",
      results: [{ project: t.slug, status: "accepted" }],
    });
    const bundleId: string = res.body.bundle_id;
    expect(bundleId).toMatch(/^[0-9a-f]{64}$/);
    expect(requests.map((r) => r.url)).toEqual([rawUrl(repo)]);
    expect(requests[0]?.headers.get("authorization")).toBe("token ghp_private_token_value");

    const bundle = await call("GET", `/api/v1/projects/${t.slug}/bundles/${bundleId}`, {
      key: t.adminKey,
    });
    expect(bundle.body).toMatchObject({
      source: { type: "git", ref: SHA },
      version: `git-${SHA.slice(0, 8)}`,
    });
    const audit = await call("GET", `/api/v1/projects/${t.slug}/audit-logs?action=bundle.created`, {
      key: t.adminKey,
    });
    expect(audit.body.items[0]).toMatchObject({ actor_type: "system", resource_id: bundleId });
  });

  it("ignores pings, other events, other branches, deletions and unrelated paths (200)", async () => {
    const t = await createTenant();
    const repo = uniqueRepo();
    const secret = "webhook-secret-0123456789";
    await connect(t, { repo, secret, path: "proxy/zentinel.kdl" });
    const requests = fakeGithub({});
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [pushPayload(repo), "ping", /^ping$/],
      [pushPayload(repo), "issues", /not handled/],
      [pushPayload(repo, { ref: "refs/heads/dev" }), "push", /not the configured branch/],
      [pushPayload(repo, { ref: "refs/heads/main", deleted: true }), "push", /deleted/],
      [
        pushPayload(repo, { commits: [{ added: ["docs/README.md"], modified: [], removed: [] }] }),
        "push",
        /no change to proxy\/zentinel.kdl/,
      ],
    ];
    for (const [payload, event, reason] of cases) {
      const res = await deliver(payload, { secret, event });
      expect(res.status, res.text).toBe(200);
      expect(res.body.results[0].status).toBe("ignored");
      expect(res.body.results[0].reason).toMatch(reason);
    }
    expect(requests).toHaveLength(0);
  });

  it("builds from a change to an included file under the config's directory", async () => {
    const t = await createTenant();
    const repo = uniqueRepo();
    const secret = "webhook-secret-0123456789";
    await connect(t, { repo, secret, path: "proxy/zentinel.kdl" });
    fakeGithub({ [rawUrl(repo, "proxy/zentinel.kdl")]: sampleConfig({ routePrefix: "/v2" }) });
    const res = await deliver(
      pushPayload(repo, {
        commits: [{ added: ["proxy/routes/api.kdl"], modified: [], removed: [] }],
      }),
      { secret },
    );
    expect(res.status, res.text).toBe(202);
  });

  it("routes a shared repository to the project whose secret signed the delivery", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const repo = uniqueRepo();
    await connect(a, { repo, secret: "secret-of-project-a-000" });
    await connect(b, { repo, secret: "secret-of-project-b-000" });
    fakeGithub({ [rawUrl(repo)]: sampleConfig({ routePrefix: "/b" }) });
    const res = await deliver(pushPayload(repo), { secret: "secret-of-project-b-000" });
    expect(res.status, res.text).toBe(202);
    expect(res.body.results.map((r: { project: string }) => r.project)).toEqual([b.slug]);
  });
});

describe("GitHub webhook: errors", () => {
  it("400s malformed deliveries", async () => {
    const secret = "webhook-secret-0123456789";
    expectEnvelope(await deliver("{nope", { secret }), 400, "BAD_REQUEST");
    expectEnvelope(await deliver({ zen: "hi" }, { secret }), 400, "BAD_REQUEST");
    expectEnvelope(
      await deliver(`payload=${encodeURIComponent("{}")}`, {
        secret,
        contentType: "application/x-www-form-urlencoded",
      }),
      400,
      "BAD_REQUEST",
    );
    const noEvent = await call("POST", "/api/v1/webhooks/github", {
      rawBody: JSON.stringify(pushPayload("acme/x")),
    });
    expect(expectEnvelope(noEvent, 400, "BAD_REQUEST").details?.[0]?.path).toBe("x-github-event");
  });

  it("400s a signed push whose payload is malformed, listing every problem", async () => {
    const t = await createTenant();
    const repo = uniqueRepo();
    const secret = "webhook-secret-0123456789";
    await connect(t, { repo, secret });
    const err = expectEnvelope(
      await deliver({ repository: { full_name: repo }, after: "main", commits: "x" }, { secret }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["after", "commits", "ref"]);
  });

  it("answers 422 with locations for an invalid config and 503 when it cannot be fetched", async () => {
    const t = await createTenant();
    const repo = uniqueRepo();
    const secret = "webhook-secret-0123456789";
    await connect(t, { repo, secret });
    fakeGithub({ [rawUrl(repo)]: 'listeners {\n    listener "x" {\n        nonsense 1\n' });
    const invalid = expectEnvelope(
      await deliver(pushPayload(repo), { secret }),
      422,
      "INVALID_CONFIG",
    );
    expect(invalid.details?.[0]).toMatchObject({ file: "zentinel.kdl" });
    vi.restoreAllMocks();
    fakeGithub({});
    const missing = expectEnvelope(
      await deliver(pushPayload(repo), { secret }),
      503,
      "UNAVAILABLE",
    );
    expect(missing.message).toMatch(/HTTP 404 \(a private repository needs a token\)/);
    const count = await env.DB.prepare("SELECT COUNT(*) AS n FROM bundles WHERE project_id = ?")
      .bind(t.projectId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("lists every problem of a bad integration body in one 400", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("PUT", integration(t.slug), {
        key: t.adminKey,
        body: { repo: "no-slash", branch: "a..b", path: "../etc/passwd", secret: "short" },
      }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.map((d) => d.path).sort()).toEqual(["branch", "path", "repo", "secret"]);
  });
});

describe("GitHub webhook: security", () => {
  it("401s missing, malformed and wrong signatures, and unknown repositories", async () => {
    const t = await createTenant();
    const repo = uniqueRepo();
    const secret = "webhook-secret-0123456789";
    await connect(t, { repo, secret });
    const requests = fakeGithub({ [rawUrl(repo)]: sampleConfig() });
    expectEnvelope(await deliver(pushPayload(repo)), 401, "UNAUTHORIZED");
    expectEnvelope(
      await deliver(pushPayload(repo), { signature: "sha1=abc" }),
      401,
      "UNAUTHORIZED",
    );
    expectEnvelope(
      await deliver(pushPayload(repo), { secret: "another-secret-0123456789" }),
      401,
      "UNAUTHORIZED",
    );
    expectEnvelope(await deliver(pushPayload(uniqueRepo()), { secret }), 401, "UNAUTHORIZED");
    // A signature over different bytes than those sent.
    const signed = `sha256=${await hmacSha256Hex(secret, JSON.stringify(pushPayload(repo)))}`;
    expectEnvelope(
      await deliver(JSON.stringify(pushPayload(repo, { after: "f".repeat(40) })), {
        signature: signed,
      }),
      401,
      "UNAUTHORIZED",
    );
    expect(requests).toHaveLength(0);

    await call("DELETE", integration(t.slug), { key: t.adminKey });
    expectEnvelope(await deliver(pushPayload(repo), { secret }), 401, "UNAUTHORIZED");
  });

  it("needs projects:write to connect and hides other tenants (404)", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const body = { repo: uniqueRepo(), secret: "webhook-secret-0123456789" };
    const operator = await keyForRole(t.orgId, "operator");
    expectEnvelope(
      await call("PUT", integration(t.slug), { key: operator, body }),
      403,
      "FORBIDDEN",
    );
    expect((await call("GET", integration(t.slug), { key: operator })).status).toBe(200);
    expectEnvelope(
      await call("PUT", integration(t.slug), { key: other.adminKey, body }),
      404,
      "NOT_FOUND",
    );
    expectEnvelope(await call("GET", integration(t.slug)), 401, "UNAUTHORIZED");
  });
});
