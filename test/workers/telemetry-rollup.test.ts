import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LATENCY_BUCKET_COUNT, LATENCY_COLUMNS } from "../../src/domain/telemetry/buckets";
import { bucketStart, RESOLUTIONS } from "../../src/domain/telemetry/report";
import { telemetryRollupTask } from "../../src/jobs/tasks/telemetry-rollup";
import { createServices } from "../../src/services";
import { createTenant } from "./harness";
import { aggregator, tableSums } from "./telemetry-helpers";

const HOUR = RESOLUTIONS.hour;
const DAY = RESOLUTIONS.day;
/** Reports fall in the 3 h around a day boundary, far ahead of real time. */
const BASE = bucketStart(Date.now() + 40 * DAY, "day") - 90 * 60_000;
const SPAN_MINUTES = 180;

const reportArb = fc.record({
  node: fc.integer({ min: 0, max: 3 }),
  minute: fc.integer({ min: 0, max: SPAN_MINUTES - 1 }),
  service: fc.constantFrom("api", "web", "admin"),
  bundle: fc.constantFrom("", "a".repeat(64), "b".repeat(64)),
  requests: fc.integer({ min: 0, max: 5000 }),
  errorShare: fc.double({ min: 0, max: 1, noNaN: true }),
  bucket: fc.integer({ min: 0, max: LATENCY_BUCKET_COUNT - 1 }),
});

function runTask(now: number) {
  const services = createServices(env, { waitUntil: () => undefined }, "test-rollup", {
    clock: { now: () => now },
  });
  return telemetryRollupTask.run(services, now);
}

describe("telemetry rollups", () => {
  it("hours and days equal the raw sums of the reports (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(reportArb, { minLength: 1, maxLength: 40 }), async (reports) => {
        const tenant = await createTenant();
        const agg = aggregator(tenant.projectId);
        const raw = new Map<string, { requests: number; errors: number; lat: number[] }>();
        const byHour = new Map<number, number>();
        for (const [i, r] of reports.entries()) {
          const receivedAt = BASE + r.minute * 60_000 + 1_000;
          const errors = Math.floor(r.requests * r.errorShare);
          const latency = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
          latency[r.bucket] = r.requests;
          const outcome = await agg.ingest(
            tenant.projectId,
            `node-${r.node}`,
            {
              intervalStart: receivedAt - 30_000 - i,
              intervalSeconds: 30,
              bundleId: r.bundle,
              services: [
                {
                  service: r.service,
                  requests: r.requests,
                  errors5xx: errors,
                  errors4xx: 0,
                  latencySumMs: 0,
                  latency,
                },
              ],
              waf: [],
            },
            receivedAt,
          );
          expect(outcome.counted).toBe(true);
          const sum = raw.get(r.service) ?? {
            requests: 0,
            errors: 0,
            lat: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
          };
          sum.requests += r.requests;
          sum.errors += errors;
          sum.lat[r.bucket] = (sum.lat[r.bucket] ?? 0) + r.requests;
          raw.set(r.service, sum);
          const hour = bucketStart(receivedAt, "hour");
          byHour.set(hour, (byHour.get(hour) ?? 0) + r.requests);
        }
        await agg.flush();
        // The cron as it would run: once an hour boundary passes, and at the end.
        for (let t = bucketStart(BASE, "hour"); t <= BASE + SPAN_MINUTES * 60_000; t += HOUR) {
          await runTask(t + 2 * 60_000);
        }
        await runTask(BASE + SPAN_MINUTES * 60_000 + 60_000);
        for (const table of ["telemetry_minutes", "telemetry_hours", "telemetry_days"] as const) {
          for (const [service, sum] of raw) {
            const got = await tableSums(table, tenant.projectId, service);
            expect(got.requests, `${table} ${service}`).toBe(sum.requests);
            expect(got.errors_5xx, `${table} ${service}`).toBe(sum.errors);
            expect(
              LATENCY_COLUMNS.map((c) => got[c]),
              `${table} ${service}`,
            ).toEqual(sum.lat);
          }
        }
        const { results } = await env.DB.prepare(
          `SELECT bucket_start, SUM(requests) AS requests FROM telemetry_hours
           WHERE project_id = ? GROUP BY bucket_start`,
        )
          .bind(tenant.projectId)
          .all<{ bucket_start: number; requests: number }>();
        const hours = new Map(results.map((r) => [r.bucket_start, r.requests]));
        for (const [hour, requests] of byHour) {
          expect(hours.get(hour) ?? 0).toBe(requests);
        }
      }),
      { numRuns: 8 },
    );
  });

  it("a rerun rewrites nothing, and retention removes each level after its period", async () => {
    const tenant = await createTenant();
    const agg = aggregator(tenant.projectId);
    const at = BASE + 5 * 60_000;
    await agg.ingest(
      tenant.projectId,
      "node-1",
      {
        intervalStart: at - 30_000,
        intervalSeconds: 30,
        bundleId: "",
        services: [
          {
            service: "api",
            requests: 10,
            errors5xx: 1,
            errors4xx: 0,
            latencySumMs: 5,
            latency: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
          },
        ],
        waf: [{ ruleId: "942100", service: "api", blocked: 2, challenged: 1 }],
      },
      at,
    );
    await agg.flush();
    const first = await runTask(at + 60_000);
    expect(first?.rollup_rows_written).toBeGreaterThan(0);
    const again = await runTask(at + 60_000);
    expect(again?.rollup_rows_written).toBe(0);
    const count = async (table: string) =>
      (
        await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE project_id = ?`)
          .bind(tenant.projectId)
          .first<{ n: number }>()
      )?.n;
    expect(await count("waf_hours")).toBe(1);
    expect(await count("waf_days")).toBe(1);
    // 49 h later minutes are gone, hours and days stay.
    await runTask(at + 49 * HOUR);
    expect(await count("telemetry_minutes")).toBe(0);
    expect(await count("waf_minutes")).toBe(0);
    expect(await count("telemetry_hours")).toBe(1);
    // 36 days later hours are gone, days stay; 401 days later days are gone too.
    await runTask(at + 36 * DAY);
    expect(await count("telemetry_hours")).toBe(0);
    expect(await count("telemetry_days")).toBe(1);
    await runTask(at + 401 * DAY);
    expect(await count("telemetry_days")).toBe(0);
    expect(await count("waf_days")).toBe(0);
  });
});
