/**
 * Single sign-on in a real browser through a real OIDC provider (test/e2e/oidc-idp.ts on a
 * loopback port): "Sign in with SSO" by email domain → the IdP's login form → back to the
 * dashboard with a session; an unmapped user is refused; the org's SSO settings page lists the
 * provider for an admin.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiCall } from "./api";
import { launchBrowser, screenshot, type TestBrowser } from "./browser";
import { type RunningIdp, startIdp } from "./oidc-idp";

const ctx = inject("e2e");
const UI_TIMEOUT_MS = 30_000;
let idp: RunningIdp;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  idp = await startIdp({
    ada: { email: "ada@sso-e2e.example", name: "Ada Ops", groups: ["zcp-operators"] },
    mallory: { email: "mallory@sso-e2e.example", name: "Mallory", groups: ["marketing"] },
  });
  // Saving checks the IdP: discovery and JWKS are fetched by the control plane now.
  await apiCall(ctx, "POST", "/api/v1/orgs/default/sso-providers", {
    kind: "oidc",
    name: "E2E IdP",
    email_domains: ["sso-e2e.example"],
    role_mappings: [{ group: "zcp-operators", role: "operator" }],
    oidc: {
      issuer: idp.issuer,
      client_id: idp.clientId,
      client_secret: idp.clientSecret,
      scopes: ["openid", "email", "profile", "groups"],
    },
  });
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await idp?.stop();
});

/** From the sign-in page through the IdP's form, as a person would. */
async function signInWithSso(email: string, username: string): Promise<void> {
  await page.goto(`${ctx.baseUrl}/`);
  await page.getByRole("button", { name: "Sign in with SSO" }).click();
  await page.getByLabel("Organization or work email").fill(email);
  await page.getByRole("button", { name: "Continue with SSO" }).click();
  await page.getByRole("heading", { name: "Test IdP sign-in" }).waitFor({ timeout: UI_TIMEOUT_MS });
  expect(page.url().startsWith(`${idp.issuer}/authorize?`)).toBe(true);
  await page.getByLabel("Username").fill(username);
  await page.getByRole("button", { name: "Sign in at the IdP" }).click();
}

describe("dashboard: single sign-on", () => {
  it("signs in through the identity provider and lands signed in with the mapped role", async () => {
    await signInWithSso("ada@sso-e2e.example", "ada");
    await page
      .getByTestId("who")
      .filter({ hasText: "ada@sso-e2e.example" })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await screenshot(page, "20-sso-signed-in");
    const me = await page.evaluate(async () => {
      const res = await fetch("/api/v1/auth/me");
      return (await res.json()) as { memberships: Array<{ org_slug: string; role: string }> };
    });
    expect(me.memberships).toEqual([
      expect.objectContaining({ org_slug: "default", role: "operator" }),
    ]);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page
      .getByRole("button", { name: "Sign in with SSO" })
      .waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it("refuses a user whose groups map to no role", async () => {
    await signInWithSso("mallory@sso-e2e.example", "mallory");
    await page
      .getByText("None of your identity provider groups")
      .waitFor({ timeout: UI_TIMEOUT_MS });
    // The refusal is an API error page (deny-all CSP, so no script runs there): check the
    // browser's cookies, then that the dashboard still asks for sign-in.
    const cookies = await page.context().cookies(ctx.baseUrl);
    expect(cookies.map((c) => c.name)).not.toContain("zcp_session");
    await page.goto(`${ctx.baseUrl}/`);
    await page
      .getByRole("button", { name: "Sign in with SSO" })
      .waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it("shows the provider and the SSO policy on the org's settings page to an admin", async () => {
    await page.goto(`${ctx.baseUrl}/`);
    await page.getByLabel("Email", { exact: true }).fill(ctx.adminEmail);
    await page.getByLabel("Password", { exact: true }).fill(ctx.adminPassword);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("link", { name: "SSO settings" }).click({ timeout: UI_TIMEOUT_MS });
    await page
      .getByRole("heading", { name: "Single sign-on · default" })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole("cell", { name: "E2E IdP" }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByText("zcp-operators → operator").waitFor();
    await screenshot(page, "21-sso-settings");
  });
});
