/**
 * Sign-in with a second factor, keyboard use and small screens, in a real browser. Independent
 * of the workflow file's fleet: it creates its own user and bundle through the API.
 */
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { base32Decode, totp } from "../../src/auth/totp";
import { apiCall, sampleConfig, waitFor } from "./api";
import { launchBrowser, screenshot, type TestBrowser } from "./browser";

const ctx = inject("e2e");
const UI_TIMEOUT_MS = 30_000;
const user = {
  email: `e2e-${randomUUID().slice(0, 8)}@example.com`,
  password: `e2e-${randomUUID()}`,
};
let totpSecret = "";
let bundleId = "";
let browser: TestBrowser;
let page: Page;

/** Signs in over HTTP (as a browser would) and returns the cookie and CSRF token. */
async function sessionFor(email: string, password: string) {
  const res = await fetch(`${ctx.baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { csrf_token: string };
  const cookie = /zcp_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
  if (!res.ok || !cookie) {
    throw new Error(`login failed: ${res.status}`);
  }
  return { cookie, csrf: body.csrf_token };
}

async function asSession<T>(s: { cookie: string; csrf: string }, path: string, body: unknown) {
  const res = await fetch(`${ctx.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: s.cookie, "x-csrf-token": s.csrf },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    throw new Error(`${path} → ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as T;
}

beforeAll(async () => {
  // An operator with TOTP, enrolled the way the profile page would do it.
  await apiCall(ctx, "POST", "/api/v1/users", {
    email: user.email,
    name: "E2E operator",
    password: user.password,
    role: "operator",
    org: "default",
  });
  const session = await sessionFor(user.email, user.password);
  const enrolled = await asSession<{ secret: string }>(session, "/api/v1/auth/totp/enroll", {});
  totpSecret = enrolled.secret;
  // Confirm with the previous step's code (inside the ±1 window): each code works only once, so
  // the current one stays free for the sign-in below.
  await asSession(session, "/api/v1/auth/totp/confirm", {
    code: await totp(base32Decode(totpSecret), Date.now() - 30_000),
  });
  const created = await apiCall<{ bundle_id: string }>(
    ctx,
    "POST",
    `/api/v1/projects/${ctx.project}/bundles`,
    { config: sampleConfig({ marker: `access-${randomUUID()}`, upstreamPort: 8090 }) },
  );
  bundleId = created.bundle_id;
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
});

describe("dashboard: sign-in, keyboard and small screens", () => {
  it("asks for the TOTP code after the password, then signs in with role-aware controls", async () => {
    await page.goto(`${ctx.baseUrl}/`);
    await page.getByLabel("Email", { exact: true }).fill(user.email);
    await page.getByLabel("Password", { exact: true }).fill(user.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    const codeField = page.getByLabel("Code", { exact: true });
    await codeField.waitFor({ timeout: UI_TIMEOUT_MS });
    // A wrong code is refused and explained; the right one signs in.
    await codeField.fill("000000");
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("alert").filter({ hasText: "Verification failed" }).waitFor();
    await screenshot(page, "12-login-totp");
    await codeField.fill(await totp(base32Decode(totpSecret), Date.now()));
    await page.getByRole("button", { name: "Verify" }).click();
    await page
      .getByTestId("who")
      .filter({ hasText: user.email })
      .waitFor({ timeout: UI_TIMEOUT_MS });

    // Operators upload configs but do not manage API keys.
    await page.goto(`${ctx.baseUrl}/p/${ctx.project}/bundles`);
    await page.getByRole("link", { name: "Upload config" }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.goto(`${ctx.baseUrl}/p/${ctx.project}/api-keys`);
    await page.getByText("Managing API keys needs the admin role").waitFor();
    expect(await page.getByRole("button", { name: "Create key" }).count()).toBe(0);
  });

  it("works from the keyboard: skip link, focus on the new page's heading, arrow-key tabs", async () => {
    await page.goto(`${ctx.baseUrl}/p/${ctx.project}/bundles/${bundleId}`);
    await page.getByRole("tab", { name: "Config" }).waitFor({ timeout: UI_TIMEOUT_MS });
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");

    await page.getByRole("tab", { name: "Config" }).focus();
    await page.keyboard.press("ArrowRight");
    await page
      .getByRole("tab", { name: "Signature & manifest", selected: true })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe("tab");
    expect(page.url()).toContain("tab=overview");

    await page.getByRole("link", { name: "Nodes", exact: true }).click();
    await waitFor("focus on the page heading", async () =>
      (await page.evaluate(() => document.activeElement?.id)) === "page-title" ? true : undefined,
    );
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Nodes");
  });

  it("fits a phone screen without sideways scrolling", async () => {
    const phone = await launchBrowser({ width: 390, height: 844 });
    try {
      // The API key sign-in is per tab, so this fresh browser signs in with the admin key.
      await phone.page.goto(`${ctx.baseUrl}/`);
      await phone.page.getByRole("button", { name: "Use an API key instead" }).click();
      await phone.page.getByLabel("API key", { exact: true }).fill(ctx.apiKey);
      await phone.page.getByRole("button", { name: "Sign in with key" }).click();
      await phone.page.getByTestId("nodes-total").waitFor({ timeout: UI_TIMEOUT_MS });
      for (const path of ["", "/bundles", `/bundles/${bundleId}`, "/audit"]) {
        await phone.page.goto(`${ctx.baseUrl}/p/${ctx.project}${path}`);
        await phone.page.locator("#page-title").waitFor({ timeout: UI_TIMEOUT_MS });
        const overflow = await phone.page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow, `horizontal overflow on ${path || "/"}`).toBeLessThanOrEqual(0);
      }
      await phone.page.goto(`${ctx.baseUrl}/p/${ctx.project}`);
      await phone.page.getByTestId("nodes-total").waitFor({ timeout: UI_TIMEOUT_MS });
      await screenshot(phone.page, "13-overview-phone");
    } finally {
      await phone.close();
    }
  });
});
