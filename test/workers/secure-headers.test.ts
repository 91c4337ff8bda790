import { describe, expect, it } from "vitest";
import { call, createTenant } from "./harness";

function expectBaseHeaders(h: Headers, what: string) {
  expect(h.get("x-frame-options"), what).toBe("DENY");
  expect(h.get("x-content-type-options"), what).toBe("nosniff");
  expect(h.get("referrer-policy"), what).toBe("no-referrer");
  expect(h.get("content-security-policy"), what).toContain("frame-ancestors 'none'");
}

describe("security headers on Worker responses", () => {
  it("sends a deny-all CSP and the framing, sniffing and referrer headers on API answers and errors", async () => {
    const t = await createTenant();
    const answers = [
      await call("GET", "/healthz"),
      await call("GET", "/api/v1/openapi.json"),
      await call("GET", `/api/v1/projects/${t.slug}`, { key: t.adminKey }),
      await call("GET", `/api/v1/projects/${t.slug}`), // 401
      await call("GET", "/api/v1/nope"), // 404
      await call("POST", `/api/v1/projects/${t.slug}/enrollment-tokens`, {
        key: t.adminKey,
        rawBody: "{",
      }), // 400
    ];
    for (const res of answers) {
      const what = `${res.status} ${res.text.slice(0, 80)}`;
      expectBaseHeaders(res.headers, what);
      expect(res.headers.get("content-security-policy"), what).toMatch(/^default-src 'none'/);
      expect(res.headers.get("x-powered-by"), what).toBeNull();
    }
  });

  it("runs the docs page's inline style and script by a fresh nonce, never 'unsafe-inline'", async () => {
    const first = await call("GET", "/api/docs");
    const second = await call("GET", "/api/docs");
    expect(first.status).toBe(200);
    expectBaseHeaders(first.headers, "docs");
    const csp = first.headers.get("content-security-policy") ?? "";
    expect(csp).not.toContain("unsafe-inline");
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(first.text).toContain(`<script nonce="${nonce}">`);
    expect(first.text).toContain(`<style nonce="${nonce}">`);
    // Exactly one script and one style, both carrying the nonce.
    expect(first.text.match(/<script/g)).toHaveLength(1);
    expect(first.text.match(/<style/g)).toHaveLength(1);
    expect(second.headers.get("content-security-policy")).not.toBe(csp);
  });
});
