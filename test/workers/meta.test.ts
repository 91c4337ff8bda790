import { describe, expect, it } from "vitest";
import { call, createTenant, expectEnvelope } from "./harness";

describe("meta routes", () => {
  it("GET /healthz answers without auth", async () => {
    const res = await call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("echoes a well-formed incoming X-Request-Id and replaces a malformed one", async () => {
    const good = await call("GET", "/healthz", { headers: { "x-request-id": "ci-run-1234" } });
    expect(good.headers.get("x-request-id")).toBe("ci-run-1234");
    const bad = await call("GET", "/healthz", { headers: { "x-request-id": "bad id\n" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("serves the OpenAPI document with the security schemes and project routes", async () => {
    const res = await call("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/projects",
        "/api/v1/projects/{project}",
        "/api/v1/projects/{project}/audit-logs",
      ]),
    );
    expect(res.body.components.securitySchemes).toHaveProperty("bearerAuth");
    expect(res.body.paths["/api/v1/projects"].post.responses).toHaveProperty("400");
  });

  it("serves a self-hosted API reference page with no external scripts", async () => {
    const res = await call("GET", "/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain("/api/v1/openapi.json");
    expect(res.text).not.toMatch(/<script[^>]+src=/);
  });

  it("answers unknown routes with a 404 envelope", async () => {
    const err = expectEnvelope(await call("GET", "/api/v1/nope"), 404, "NOT_FOUND");
    expect(err.message).toContain("/api/v1/nope");
  });

  it("rejects bodies over 1 MiB with 413 in the envelope", async () => {
    const t = await createTenant();
    const big = JSON.stringify({ name: "x".repeat(1024 * 1024 + 10), slug: "too-big" });
    expectEnvelope(
      await call("POST", "/api/v1/projects", { key: t.adminKey, rawBody: big }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
  });
});

describe("content types", () => {
  it("answers a JSON route called with a form body with 400-class envelope, never 500", async () => {
    const t = await createTenant();
    const res = await call("POST", "/api/v1/projects", {
      key: t.adminKey,
      rawBody: "name=x&slug=y",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toMatch(/BAD_REQUEST|UNSUPPORTED_MEDIA_TYPE/);
  });
});
