/**
 * The dashboard and the API reference under their Content-Security-Policy, in a real browser:
 * every page a person visits works (sign-in, live updates over the WebSocket, bundles, upload,
 * nodes, rollouts, audit, the docs page's inline script by nonce) and the browser reports no
 * CSP violation. The headers themselves are checked on the static assets, the SPA fallback, the
 * docs page and the API.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { sampleConfig } from "./api";
import { launchBrowser, type TestBrowser } from "./browser";

const ctx = inject("e2e");
const UI_TIMEOUT_MS = 60_000;

let browser: TestBrowser;
let page: Page;
/** Violations reported by the page (securitypolicyviolation events) and the console. */
const violations: string[] = [];

const url = (path: string) => `${ctx.baseUrl}${path}`;

declare global {
  interface Window {
    __cspViolations?: string[];
  }
}

/** Collects the violations the current document has seen so far. */
async function collectViolations(p: Page): Promise<void> {
  const found = await p.evaluate(() => window.__cspViolations?.splice(0) ?? []);
  violations.push(...found);
}

async function headersOf(path: string): Promise<Headers> {
  const res = await fetch(url(path));
  await res.arrayBuffer();
  return res.headers;
}

beforeAll(async () => {
  browser = await launchBrowser();
  page = browser.page;
  // Installed before any page script runs, in every document of this context.
  await browser.context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations?.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  page.on("console", (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) {
      violations.push(`console: ${msg.text()}`);
    }
  });
});

afterAll(async () => {
  await browser?.close();
});

describe("security headers", () => {
  it("sends a strict CSP and the framing, sniffing and referrer headers on every kind of response", async () => {
    const dashboard = ["/", "/p/demo/rollouts"];
    for (const path of dashboard) {
      const h = await headersOf(path);
      expect(h.get("content-security-policy"), path).toContain("default-src 'self'");
      expect(h.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      expect(h.get("content-security-policy"), path).not.toContain("unsafe-inline");
      expect(h.get("x-frame-options"), path).toBe("DENY");
      expect(h.get("x-content-type-options"), path).toBe("nosniff");
      expect(h.get("referrer-policy"), path).toBe("no-referrer");
    }
    const docs = await headersOf("/api/docs");
    expect(docs.get("content-security-policy")).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(docs.get("content-security-policy")).not.toContain("unsafe-inline");
    for (const path of ["/api/v1/openapi.json", "/healthz", "/api/v1/projects"]) {
      const h = await headersOf(path);
      expect(h.get("content-security-policy"), path).toContain("default-src 'none'");
      expect(h.get("x-frame-options"), path).toBe("DENY");
      expect(h.get("x-content-type-options"), path).toBe("nosniff");
      expect(h.get("referrer-policy"), path).toBe("no-referrer");
    }
  });
});

describe("the dashboard under its CSP", () => {
  it("signs in and goes live over the WebSocket", async () => {
    await page.goto(url("/"));
    await page.getByLabel("Email", { exact: true }).fill(ctx.adminEmail);
    await page.getByLabel("Password", { exact: true }).fill(ctx.adminPassword);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page
      .getByTestId("live-status")
      .filter({ hasText: /Live/ })
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await collectViolations(page);
  });

  it("uploads a config and shows the compiled bundle", async () => {
    await page.getByRole("link", { name: "Bundles", exact: true }).click();
    await page.getByRole("link", { name: "Upload config" }).click();
    await page.getByLabel("Version label (optional)").fill("csp-1");
    await page
      .getByLabel("zentinel.kdl", { exact: true })
      .fill(sampleConfig({ marker: "csp", upstreamPort: 3901 }));
    await page.getByRole("button", { name: "Validate and upload" }).click();
    await page.waitForURL(/\/bundles\/[0-9a-f]{64}$/, { timeout: UI_TIMEOUT_MS });
    await page
      .getByTestId("bundle-status")
      .filter({ hasText: /compiled/ })
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await collectViolations(page);
  });

  it("renders every main page without a violation", async () => {
    for (const name of ["Overview", "Nodes", "Bundles", "Rollouts", "Audit log"]) {
      const link = page.getByRole("link", { name, exact: true });
      if ((await link.count()) === 0) {
        throw new Error(`no navigation link named ${name}`);
      }
      await link.first().click();
      await page.waitForLoadState("networkidle");
      await collectViolations(page);
    }
  });

  it("renders the API reference by its nonce", async () => {
    await page.goto(url("/api/docs"));
    await page.locator(".op").first().waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator(".op").count()).toBeGreaterThan(50);
    await collectViolations(page);
  });

  it("reported no CSP violation anywhere", () => {
    expect(violations).toEqual([]);
  });
});
