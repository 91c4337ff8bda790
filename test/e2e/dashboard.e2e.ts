/**
 * The dashboard's core workflow in a real browser against a real control plane (wrangler dev)
 * and simulated nodes: sign in, upload a config (and see a rejected one explained inline), watch
 * it compile, diff it, roll it out, watch the rollout progress live, roll it back, check the
 * audit chain; then sign in with a reader API key. Screenshots of each main page go to
 * test-artifacts/screenshots/.
 *
 * The tests share one browser and one fleet and run in order (each builds on the last).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Fleet } from "../../scripts/simulate/fleet";
import { apiCall, sampleConfig, waitFor } from "./api";
import { launchBrowser, screenshot, type TestBrowser } from "./browser";
import { drawnChart } from "./charts";
import { startFleet } from "./fleet";

const ctx = inject("e2e");
const NODES = 4;
/** Long enough for compile queues, rollout steps and reconnects on a slow machine. */
const UI_TIMEOUT_MS = 60_000;
const READ_SCOPES = ["projects:read", "nodes:read", "bundles:read", "rollouts:read", "audit:read"];

let browser: TestBrowser;
let page: Page;
let fleet: Fleet;
/** Bundle ids created along the way. */
const bundles: { v1?: string; v2?: string } = {};

const url = (path: string) => `${ctx.baseUrl}${path}`;
const projectUrl = (path = "") => url(`/p/${ctx.project}${path}`);

/** Waits until the element with `testId` has text matching `re`. */
async function waitForText(p: Page, testId: string, re: RegExp, timeout = UI_TIMEOUT_MS) {
  await p.getByTestId(testId).filter({ hasText: re }).first().waitFor({ timeout });
}

/** Marks the document; `stillSameDocument` is false after any full reload. */
async function markDocument(p: Page): Promise<void> {
  await p.evaluate(() => {
    document.documentElement.dataset.e2eMark = "kept";
  });
}
async function stillSameDocument(p: Page): Promise<boolean> {
  return p.evaluate(() => document.documentElement.dataset.e2eMark === "kept");
}

async function uploadThroughUi(config: string, version: string): Promise<string> {
  await page.getByRole("link", { name: "Bundles", exact: true }).click();
  await page.getByRole("link", { name: "Upload config" }).click();
  await page.getByLabel("Version label (optional)").fill(version);
  await page.getByLabel("zentinel.kdl", { exact: true }).fill(config);
  await page.getByRole("button", { name: "Validate and upload" }).click();
  await page.waitForURL(/\/bundles\/[0-9a-f]{64}$/, { timeout: UI_TIMEOUT_MS });
  const id = page.url().split("/").pop() ?? "";
  // Compiles in the queue; the page follows it without a reload.
  await waitForText(page, "bundle-status", /compiled/);
  return id;
}

beforeAll(async () => {
  fleet = await startFleet(ctx, NODES, { region: "eu", tier: "edge" });
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  fleet?.stop();
  await browser?.close();
});

describe("dashboard: core workflow", () => {
  it("signs in with email and password and shows the fleet, live", async () => {
    await page.goto(url("/"));
    await page.getByLabel("Email", { exact: true }).waitFor();
    await screenshot(page, "01-login");
    await page.getByLabel("Email", { exact: true }).fill(ctx.adminEmail);
    await page.getByLabel("Password", { exact: true }).fill(ctx.adminPassword);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await waitForText(page, "nodes-total", new RegExp(`^${NODES}$`));
    await waitForText(page, "live-status", /Live/);
    expect(await page.getByTestId("who").textContent()).toBe(ctx.adminEmail);
  });

  it("explains a rejected config inline, then uploads one and watches it compile", async () => {
    await page.getByRole("link", { name: "Bundles", exact: true }).click();
    await page.getByRole("link", { name: "Upload config" }).click();
    // A route naming an upstream that does not exist: rejected with the route's line.
    const broken = sampleConfig({ marker: "broken", upstreamPort: 8081 }).replace(
      'upstream "backend"\n    }\n}',
      'upstream "nowhere"\n    }\n}',
    );
    await page.getByLabel("zentinel.kdl", { exact: true }).fill(broken);
    await page.getByRole("button", { name: "Validate and upload" }).click();
    const marked = page.locator(".code-line.has-diag");
    await marked.first().waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await marked.count()).toBe(1);
    expect(await marked.first().textContent()).toContain('route "default"');
    expect(await page.locator(".code-diag").first().textContent()).toContain("'nowhere'");
    expect(page.url()).toMatch(/\/bundles\/new$/);
    await screenshot(page, "02-upload-rejected");

    bundles.v1 = await uploadThroughUi(sampleConfig({ marker: "v1", upstreamPort: 8081 }), "v1");
    await page.getByRole("tab", { name: "Config" }).waitFor();
    await screenshot(page, "03-bundle-compiled");
  });

  it("follows a rollout of the first bundle on the overview, without reloading", async () => {
    await page.getByRole("link", { name: "Overview" }).click();
    await waitForText(page, "nodes-total", new RegExp(`^${NODES}$`));
    await markDocument(page);
    await apiCall(ctx, "POST", `/api/v1/projects/${ctx.project}/rollouts`, {
      bundle_id: bundles.v1,
      target_selector: { type: "all" },
      strategy: "all_at_once",
    });
    await waitForText(page, "bundle-share", new RegExp(`${NODES}/${NODES} nodes on bundle v1`));
    expect(await stillSameDocument(page)).toBe(true);
  });

  it("diffs a second config against the first (structure and side by side)", async () => {
    bundles.v2 = await uploadThroughUi(
      sampleConfig({ marker: "v2", upstreamPort: 8082, extraRoute: true }),
      "v2",
    );
    await page.getByRole("link", { name: "Diff" }).click();
    await page.getByTestId("diff-summary").waitFor({ timeout: UI_TIMEOUT_MS });
    const summary = await page.getByTestId("diff-summary").textContent();
    expect(summary).toContain("+ api");
    expect(await page.locator("td.diff-add").count()).toBeGreaterThan(0);
    expect(await page.locator("td.diff-del").count()).toBeGreaterThan(0);
    await screenshot(page, "04-bundle-diff");
  });

  it("starts a rolling rollout, watches it progress live, and rolls it back", async () => {
    await page.goto(projectUrl(`/bundles/${bundles.v2}`));
    await page.getByRole("link", { name: "Roll out" }).click();
    await page.getByLabel("Nodes with labels").check();
    await page.getByLabel("Labels", { exact: true }).fill("region:eu");
    await page
      .getByTestId("selector-preview")
      .filter({ hasText: `${NODES} nodes match` })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByLabel("rolling").check();
    await page.getByLabel("Batch size (nodes)").fill("1");
    await page.getByLabel("Bake time (s)").fill("4");
    await screenshot(page, "05-rollout-form");
    await page.getByRole("button", { name: "Create rollout" }).click();
    await page.waitForURL(/\/rollouts\/[0-9a-f-]{36}$/, { timeout: UI_TIMEOUT_MS });
    await markDocument(page);

    // Progress arrives through the live socket (or polling), never through a reload.
    await page
      .locator(".progress-wrap")
      .filter({ hasText: new RegExp(`^[2-${NODES - 1}]/${NODES} done`) })
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await screenshot(page, "06-rollout-in-progress");
    const overview = await browser.context.newPage();
    await overview.goto(projectUrl());
    await waitForText(overview, "nodes-total", new RegExp(`^${NODES}$`));
    await overview.locator(".rollout-row").first().waitFor({ timeout: UI_TIMEOUT_MS });
    await screenshot(overview, "07-overview-during-rollout");
    await overview.close();

    await page.getByRole("button", { name: "Roll back" }).click();
    await page.locator("dialog[open]").getByRole("button", { name: "Roll back" }).click();
    await waitForText(page, "rollout-state", /rolled back/, 120_000);
    expect(await stillSameDocument(page)).toBe(true);
    // Screen readers hear the change through the polite live region.
    await waitForText(page, "announcer", /Rollout rolled back/, 10_000);
    await screenshot(page, "08-rollout-rolled-back");
    const v1 = bundles.v1 ?? "";
    await waitFor("every node back on v1", async () =>
      fleet.activeOn(v1) === NODES ? true : undefined,
    );
  });

  it("verifies the audit chain and lists what happened", async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByTestId("audit-table").waitFor({ timeout: UI_TIMEOUT_MS });
    await page.getByRole("button", { name: "Verify chain" }).click();
    await waitForText(page, "verify-result", /intact/);
    const table = await page.getByTestId("audit-table").textContent();
    expect(table).toContain("bundle.created");
    await screenshot(page, "09-audit");
  });

  it("filters nodes by label and shows a node's heartbeat charts", async () => {
    await page.getByRole("link", { name: "Nodes", exact: true }).click();
    await page.getByLabel("Labels", { exact: true }).fill("region:eu");
    await page.getByLabel("Labels", { exact: true }).press("Enter");
    await page
      .locator("tbody tr")
      .nth(NODES - 1)
      .waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await page.locator("tbody tr").count()).toBe(NODES);
    await screenshot(page, "10-nodes");
    await page.locator("tbody tr a").first().click();
    // The simulated nodes report CPU and memory with every heartbeat; history is sampled about
    // once a minute, so early on uPlot draws a dot (a lone point), later a line.
    const cpu = await drawnChart(page.locator("figure.chart", { hasText: "CPU" }), "c3");
    expect(cpu.points).toBeGreaterThan(0);
    expect(cpu.tonePixels).toBeGreaterThan(8);
    await screenshot(page, "11-node-detail");
  });

  it("creates an enrollment token and shows it exactly once", async () => {
    await page.getByRole("link", { name: "Enrollment tokens" }).click();
    await page.getByLabel("Name", { exact: true }).fill("e2e token");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await page.getByTestId("secret").textContent();
    expect(secret).toMatch(/^zet_/);
    await page.reload();
    await page.getByRole("heading", { name: "Enrollment tokens" }).waitFor();
    expect(await page.getByTestId("secret").count()).toBe(0);
    expect(await page.content()).not.toContain(secret ?? "missing");
  });

  it("signs in with a reader API key: live updates by ticket, no mutating controls", async () => {
    const reader = await apiCall<{ key: string }>(ctx, "POST", "/api/v1/api-keys", {
      name: "e2e reader",
      scopes: READ_SCOPES,
      project: ctx.project,
    });
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Use an API key instead" }).click();
    await page.getByLabel("API key", { exact: true }).fill(reader.key);
    await page.getByRole("button", { name: "Sign in with key" }).click();
    await waitForText(page, "live-status", /Live/);
    expect(sockets.some((u) => u.includes("ticket=zlt_"))).toBe(true);
    expect(sockets.some((u) => u.includes(reader.key))).toBe(false);

    await page.goto(projectUrl(`/bundles/${bundles.v2}`));
    await waitForText(page, "bundle-status", /compiled/);
    expect(await page.getByRole("link", { name: "Roll out" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Revoke" }).count()).toBe(0);
    await page.goto(projectUrl("/rollouts"));
    await page.getByRole("heading", { name: "Rollouts" }).waitFor();
    expect(await page.getByRole("link", { name: "New rollout" }).count()).toBe(0);
    await page.goto(projectUrl("/bundles"));
    await page.getByTestId("bundle-row").first().waitFor();
    expect(await page.getByRole("link", { name: "Upload config" }).count()).toBe(0);
  });
});
