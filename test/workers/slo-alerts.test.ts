import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { registerNode } from "./fixtures";
import { call, createTenant } from "./harness";
import { advance, startClock } from "./rollout-sim";
import { auditActions, createSlo, deliveredTypes, runSli, webhookChannel } from "./slo-helpers";
import { histogramAt, sendTelemetry } from "./telemetry-helpers";

beforeEach(() => startClock());
afterEach(() => vi.useRealTimers());

const FIVE_MIN = 5 * 60_000;

/** Moves the clock to the next 5-minute boundary (where the cron runs the SLI job). */
function toNextSliRun(): number {
  const next = Math.ceil((Date.now() + 1) / FIVE_MIN) * FIVE_MIN;
  vi.setSystemTime(next);
  return next;
}

describe("SLI job and burn-rate alerts", () => {
  it("pages once on 5 % errors, resolves once when the short window recovers, audited", async () => {
    const t = await createTenant();
    const node = await registerNode(t);
    const slo = await createSlo(t, { name: "avail", objective: "availability", target: 99.9 });
    const channel = await webhookChannel(t);
    const traffic = async (minutes: number, errorsPer1000: number) => {
      for (let i = 0; i < minutes * 2; i += 1) {
        advance(30_000);
        const res = await sendTelemetry(node, {
          services: [
            {
              service: "api",
              requests: 1000,
              errors_5xx: errorsPer1000,
              latency_buckets: histogramAt(1000),
            },
          ],
        });
        expect(res.body.counted).toBe(true);
      }
    };
    await traffic(10, 50);
    const first = await runSli(toNextSliRun());
    expect(first).toMatchObject({ slos: 1, fired: 2, resolved: 0 });
    const shown = await call("GET", `/api/v1/projects/${t.slug}/slos/${slo.id}`, {
      key: t.adminKey,
    });
    expect(shown.body.status.firing).toEqual(["page", "ticket"]);
    expect(shown.body.status.burn_rates["300"]).toBeCloseTo(50, 5);
    expect(shown.body.status.sli).toBeCloseTo(95, 5);
    expect(shown.body.status.error_budget_remaining).toBeLessThan(0);
    expect(shown.body.alerts.map((a: { severity: string }) => a.severity).sort()).toEqual([
      "page",
      "ticket",
    ]);
    expect((await deliveredTypes(channel)).sort()).toEqual([
      "slo.page.detected",
      "slo.ticket.detected",
    ]);

    // Still burning: no second notification.
    await traffic(5, 50);
    expect(await runSli(toNextSliRun())).toMatchObject({ fired: 0, resolved: 0 });
    expect(await deliveredTypes(channel)).toHaveLength(2);

    // Healthy for 10 minutes: the 5-minute window recovers (page resolves); the ticket's
    // 30-minute window still burns above 6×.
    await traffic(10, 0);
    expect(await runSli(toNextSliRun())).toMatchObject({ fired: 0, resolved: 1 });
    expect((await deliveredTypes(channel)).slice(2)).toEqual(["slo.page.resolved"]);
    expect(await runSli(Date.now())).toMatchObject({ fired: 0, resolved: 0 });
    expect(await auditActions(t.projectId, "slo.page")).toEqual([
      "slo.page.detected",
      "slo.page.resolved",
    ]);
  });

  it("healthy traffic fires nothing, and another project's errors do not count", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const node = await registerNode(t);
    const noisy = await registerNode(other);
    await createSlo(t, { name: "avail", objective: "availability", target: 99.9 });
    const latency = await createSlo(t, {
      name: "fast",
      objective: "latency",
      target: 99,
      latency_threshold_ms: 100,
    });
    const channel = await webhookChannel(t);
    for (let i = 0; i < 20; i += 1) {
      advance(30_000);
      await sendTelemetry(node, {
        services: [{ service: "api", requests: 1000, latency_buckets: histogramAt(1000, 2) }],
      });
      await sendTelemetry(noisy, {
        services: [
          {
            service: "api",
            requests: 1000,
            errors_5xx: 500,
            latency_buckets: histogramAt(1000, 9),
          },
        ],
      });
    }
    // The job evaluates every project's SLOs; this project's channel must hear nothing.
    await runSli(toNextSliRun());
    expect(await deliveredTypes(channel)).toEqual([]);
    const shown = await call("GET", `/api/v1/projects/${t.slug}/slos/${latency.id}`, {
      key: t.adminKey,
    });
    expect(shown.body.status).toMatchObject({ sli: 100, bad: 0, firing: [] });
    expect(shown.body.status.total).toBe(20_000);
  });
});
