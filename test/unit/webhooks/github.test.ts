import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  fetchConfigAtCommit,
  MAX_CONFIG_BYTES,
  rawFileUrl,
} from "../../../src/api/webhooks/github-fetch";
import {
  changedFiles,
  pushPayloadSchema,
  touchesConfig,
  verifyGithubSignature,
} from "../../../src/api/webhooks/github-push";

const SHA = "4f2a9c1e0b7d3a5c8e6f1a2b3c4d5e6f7a8b9c0d";
const bytes = (s: string) => new TextEncoder().encode(s);

describe("X-Hub-Signature-256", () => {
  it("accepts exactly the HMAC-SHA256 of the raw body under the secret", async () => {
    const body = '{"zen":"Keep it logically awesome."}';
    const hex = createHmac("sha256", "the-secret").update(body).digest("hex");
    expect(await verifyGithubSignature("the-secret", bytes(body), `sha256=${hex}`)).toBe(true);
    expect(
      await verifyGithubSignature("the-secret", bytes(body), `sha256=${hex.toUpperCase()}`),
    ).toBe(true);
    expect(await verifyGithubSignature("other-secret", bytes(body), `sha256=${hex}`)).toBe(false);
    expect(await verifyGithubSignature("the-secret", bytes(`${body} `), `sha256=${hex}`)).toBe(
      false,
    );
    expect(await verifyGithubSignature("the-secret", bytes(body), hex)).toBe(false);
    expect(await verifyGithubSignature("the-secret", bytes(body), "sha256=")).toBe(false);
  });
});

describe("push payloads", () => {
  const push = pushPayloadSchema.parse({
    ref: "refs/heads/main",
    after: SHA,
    repository: { full_name: "acme/edge" },
    commits: [
      { added: ["proxy/routes/new.kdl"], modified: [], removed: [] },
      { modified: ["README.md"] },
    ],
    head_commit: { added: [], modified: ["proxy/zentinel.kdl"], removed: ["old.kdl"] },
  });

  it("collects every added, modified and removed path", () => {
    expect([...changedFiles(push)].sort()).toEqual(
      ["README.md", "old.kdl", "proxy/routes/new.kdl", "proxy/zentinel.kdl"].sort(),
    );
  });

  it("is touched by the config file or anything under its directory, not its siblings' names", () => {
    expect(touchesConfig("proxy/zentinel.kdl", new Set(["proxy/zentinel.kdl"]))).toBe(true);
    expect(touchesConfig("proxy/zentinel.kdl", new Set(["proxy/routes/a.kdl"]))).toBe(true);
    expect(touchesConfig("proxy/zentinel.kdl", new Set(["proxy-old/zentinel.kdl"]))).toBe(false);
    expect(touchesConfig("proxy/zentinel.kdl", new Set(["docs/a.md"]))).toBe(false);
    expect(touchesConfig("zentinel.kdl", new Set(["anything/at/all.txt"]))).toBe(true);
    expect(touchesConfig("zentinel.kdl", new Set())).toBe(false);
  });

  it("requires ref, a commit id and the repository", () => {
    const bad = pushPayloadSchema.safeParse({ after: "main", repository: {} });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join(".")).sort()).toEqual([
      "after",
      "ref",
      "repository.full_name",
    ]);
  });
});

describe("config fetch", () => {
  it("fetches the raw file at the commit with the token when there is one", async () => {
    const seen: Request[] = [];
    const result = await fetchConfigAtCommit(
      async (r) => {
        seen.push(r);
        return new Response("system {}\n");
      },
      { repo: "acme/edge", sha: SHA, path: "proxy dir/zentinel.kdl", token: "ghp_x" },
    );
    expect(result).toEqual({ ok: true, text: "system {}\n" });
    expect(seen[0]?.url).toBe(rawFileUrl("acme/edge", SHA, "proxy dir/zentinel.kdl"));
    expect(seen[0]?.url).toBe(
      `https://raw.githubusercontent.com/acme/edge/${SHA}/proxy%20dir/zentinel.kdl`,
    );
    expect(seen[0]?.headers.get("authorization")).toBe("token ghp_x");
  });

  it("turns failures into reasons instead of throwing", async () => {
    const target = { repo: "acme/edge", sha: SHA, path: "zentinel.kdl", token: null };
    const notFound = await fetchConfigAtCommit(
      async () => new Response("", { status: 404 }),
      target,
    );
    expect(notFound).toEqual({ ok: false, reason: expect.stringMatching(/HTTP 404 \(a private/) });
    const down = await fetchConfigAtCommit(async () => {
      throw new TypeError("network down");
    }, target);
    expect(down).toEqual({ ok: false, reason: expect.stringMatching(/network down/) });
    const huge = await fetchConfigAtCommit(
      async () => new Response("x".repeat(MAX_CONFIG_BYTES + 1)),
      target,
    );
    expect(huge).toEqual({ ok: false, reason: expect.stringMatching(/larger than/) });
  });
});
