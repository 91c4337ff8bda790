/**
 * Alerts and WAF pages in a real browser against a real control plane: a node registered
 * through the node API sends telemetry (5 % errors on one service, WAF blocks) through the real
 * telemetry route; the aggregator flushes it to D1, the alert evaluator fires a rule, and the
 * pages show it with charts drawn by uPlot. Screenshots go to test-artifacts/screenshots/.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { apiCall, waitFor } from "./api";
import { launchBrowser, screenshot, type TestBrowser } from "./browser";
import { drawnChart } from "./charts";

const ctx = inject("e2e");
/** The aggregator flushes once a minute and the evaluator runs every 30 s. */
const UI_TIMEOUT_MS = 150_000;
const BUCKETS = 12;

/**
 * A project of its own, so this file's node, rules and SLO never show up in the other browser
 * tests' project (they count its nodes), whichever order the files run in.
 */
const project = `obs-${Date.now().toString(36)}`;
let enrollmentToken = "";
let browser: TestBrowser;
let page: Page;
let feeding: ReturnType<typeof setInterval> | undefined;

function histogram(requests: number, index: number): number[] {
  const h = new Array<number>(BUCKETS).fill(0);
  h[index] = requests;
  return h;
}

/** Registers a node and returns a function that sends one 10-second telemetry report. */
async function telemetryNode(name: string): Promise<() => Promise<void>> {
  const res = await fetch(`${ctx.baseUrl}/api/v1/projects/${project}/nodes/register`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-zentinel-enrollment-token": enrollmentToken,
    },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  const node = (await res.json()) as { node_id: string; node_key: string };
  return async () => {
    const sent = await fetch(`${ctx.baseUrl}/api/v1/nodes/${node.node_id}/telemetry`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-zentinel-node-key": node.node_key },
      body: JSON.stringify({
        // The last whole 10 s: a second send within the same interval is a no-op retry.
        interval_start: new Date(Math.floor(Date.now() / 10_000) * 10_000 - 10_000).toISOString(),
        interval_seconds: 10,
        services: [
          {
            service: "checkout",
            requests: 400,
            errors_5xx: 20,
            latency_buckets: histogram(400, 4),
          },
          { service: "catalog", requests: 600, errors_5xx: 0, latency_buckets: histogram(600, 2) },
        ],
        waf: [
          { rule_id: "942100", service: "checkout", blocked: 30, challenged: 3 },
          { rule_id: "941100", service: "catalog", blocked: 6 },
        ],
      }),
    });
    expect(sent.status).toBe(200);
  };
}

beforeAll(async () => {
  await apiCall(ctx, "POST", "/api/v1/projects", { slug: project, name: "Observability e2e" });
  const token = await apiCall<{ token: string }>(
    ctx,
    "POST",
    `/api/v1/projects/${project}/enrollment-tokens`,
    { name: "observability e2e" },
  );
  enrollmentToken = token.token;
  const send = await telemetryNode(`obs-e2e-${Date.now().toString(36)}`);
  await send();
  feeding = setInterval(() => {
    send().catch(() => undefined);
  }, 10_000);
  browser = await launchBrowser();
  page = browser.page;
});

afterAll(async () => {
  if (feeding) {
    clearInterval(feeding);
  }
  await browser?.close();
});

describe("dashboard: alerts and WAF", () => {
  it("shows a firing error-rate alert for the failing service only", async () => {
    await apiCall(ctx, "POST", `/api/v1/projects/${project}/alert-rules`, {
      name: "checkout errors",
      metric: "error_rate",
      service: "checkout",
      comparator: ">",
      threshold: 2,
      severity: "critical",
    });
    const catalogRule = await apiCall<{ id: string }>(
      ctx,
      "POST",
      `/api/v1/projects/${project}/alert-rules`,
      {
        name: "catalog errors",
        metric: "error_rate",
        service: "catalog",
        comparator: ">",
        threshold: 2,
      },
    );
    await page.goto(`${ctx.baseUrl}/`);
    await page.getByLabel("Email", { exact: true }).fill(ctx.adminEmail);
    await page.getByLabel("Password", { exact: true }).fill(ctx.adminPassword);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByTestId("live-status").waitFor({ timeout: UI_TIMEOUT_MS });
    await page.goto(`${ctx.baseUrl}/p/${project}/alerts`);
    await page
      .getByTestId("firing-count")
      .filter({ hasText: /^1$/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    const firing = page.locator('[data-testid="alert-rules"] [data-state="firing"]');
    expect(await firing.count()).toBe(1);
    expect(await firing.first().textContent()).toContain("checkout errors");
    expect(await firing.first().getByTestId("alert-value").textContent()).toBe("5 %");
    const catalog = page.locator('[data-testid="alert-rules"] [data-testid="alert-row"]', {
      hasText: "catalog errors",
    });
    // Its first pass may come one evaluation period after the other rule's.
    const evaluated = await waitFor(
      "the catalog rule's first evaluation",
      async () => {
        const r = await apiCall<{
          last_evaluated_at: string | null;
          last_value: number | null;
          state: string;
        }>(ctx, "GET", `/api/v1/projects/${project}/alert-rules/${catalogRule.id}`);
        return r.last_evaluated_at === null ? undefined : r;
      },
      UI_TIMEOUT_MS,
      2_000,
    );
    expect(evaluated).toMatchObject({ state: "inactive", last_value: 0 });
    expect(await catalog.getAttribute("data-state")).toBe("inactive");
    await page.getByTestId("alert-history").filter({ hasText: "checkout errors" }).waitFor();
    await page.reload();
    await catalog
      .getByTestId("alert-value")
      .filter({ hasText: /^0 %$/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await screenshot(page, "20-alerts");
  }, 300_000);

  it("charts WAF blocks over time and ranks the rules", async () => {
    await waitFor(
      "WAF data in D1",
      async () => {
        const top = await apiCall<{ items: unknown[] }>(
          ctx,
          "GET",
          `/api/v1/projects/${project}/waf/top-rules`,
        );
        return top.items.length > 0 ? true : undefined;
      },
      UI_TIMEOUT_MS,
      2_000,
    );
    await page.getByRole("link", { name: "WAF", exact: true }).click();
    await page.getByLabel("Range").selectOption({ label: "Last hour" });
    const chart = await drawnChart(
      page.locator("figure.chart", { hasText: "WAF decisions" }),
      "c1",
    );
    expect(chart.points).toBeGreaterThan(0);
    expect(chart.tonePixels).toBeGreaterThan(20);
    const rows = await page.getByTestId("waf-top-rules").locator("tbody tr").allTextContents();
    expect(rows[0]).toContain("942100");
    expect(rows[1]).toContain("941100");
    await screenshot(page, "21-waf");
  });

  it("shows an SLO's budget and burn rates once the SLI job has run", async () => {
    await apiCall(ctx, "POST", `/api/v1/projects/${project}/slos`, {
      name: "checkout availability",
      service: "checkout",
      objective: "availability",
      target: 99.9,
      window_days: 28,
    });
    // wrangler dev runs no Cron Triggers: fire the scheduled handler at the next 5-minute mark
    // (the SLI job's cadence), after every report sent so far.
    const at = Math.ceil(Date.now() / 300_000) * 300_000;
    const fired = await fetch(`${ctx.baseUrl}/cdn-cgi/handler/scheduled?time=${at}`);
    expect(fired.status).toBe(200);
    await page.getByRole("link", { name: "SLOs", exact: true }).click();
    const card = page.getByTestId("slo-card").filter({ hasText: "checkout availability" });
    await card.getByTestId("budget-remaining").waitFor({ timeout: UI_TIMEOUT_MS });
    // 5 % errors against a 0.1 % budget: the budget is overspent and the page alert fires.
    expect(await card.getByTestId("budget-remaining").textContent()).toMatch(/^-/);
    const burn = await drawnChart(card.locator("figure.chart"), "c2");
    expect(burn.points).toBeGreaterThan(0);
    expect(burn.tonePixels).toBeGreaterThan(20);
    await screenshot(page, "22-slos");
  });
});
