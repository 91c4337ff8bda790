import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { cronTasks } from "../../src/jobs/cron";
import { warnExpiringCertificates } from "../../src/jobs/tasks/cert-expiry";
import { createServices } from "../../src/services";
import { CERTS, configPath, createEntity } from "./config-helpers";
import { call, createTenant } from "./harness";

const DAY = 86_400_000;
const WWW_NOT_AFTER = Date.parse("2036-01-01T00:00:00Z");

async function expiryEvents(projectId: string) {
  const { results } = await env.DB.prepare(
    "SELECT severity, payload FROM events WHERE project_id = ? AND type = 'certificate.expiring' ORDER BY created_at, rowid",
  )
    .bind(projectId)
    .all<{ severity: string; payload: string }>();
  return results.map((r) => ({ severity: r.severity, ...JSON.parse(r.payload) }));
}

/**
 * Runs the expiry task alone at `now` (the whole cron at a far-future time would also run the
 * retention task, which prunes the very events under test as "old").
 */
async function runExpiry(now: number) {
  const ctx = createExecutionContext();
  await warnExpiringCertificates(createServices(env, ctx, `test_${crypto.randomUUID()}`), now);
  await waitOnExecutionContext(ctx);
}

describe("certificate expiry cron", () => {
  it("is registered with the every-minute cron", () => {
    expect(cronTasks().map((t) => t.name)).toContain("cert-expiry");
  });

  it("warns at 30, 7 and 1 days once each; a replacement starts over", async () => {
    const t = await createTenant();
    await createEntity(t, "certificates", {
      name: "www",
      cert_pem: CERTS["www.crt"],
      key_pem: CERTS["www.key"],
    });
    for (const daysBefore of [40, 29.5, 29, 20, 6.9, 6, 0.5, 0.2]) {
      await runExpiry(WWW_NOT_AFTER - daysBefore * DAY);
    }
    const events = await expiryEvents(t.projectId);
    expect(events.map((e) => [e.threshold_days, e.severity])).toEqual([
      [30, "warning"],
      [7, "warning"],
      [1, "critical"],
    ]);
    expect(events[0]).toMatchObject({
      name: "www",
      not_after: "2036-01-01T00:00:00.000Z",
      days_left: 29,
    });

    const replaced = await call("PUT", `${configPath(t.slug, "certificates")}/www`, {
      key: t.adminKey,
      body: { cert_pem: CERTS["api.crt"], key_pem: CERTS["api.key"] },
    });
    expect(replaced.status).toBe(200);
    await runExpiry(WWW_NOT_AFTER - 10 * DAY);
    expect((await expiryEvents(t.projectId)).length).toBe(4);
  });

  it("exports the soonest expiry per project on /metrics", async () => {
    const t = await createTenant();
    await createEntity(t, "certificates", {
      name: "www",
      cert_pem: CERTS["www.crt"],
      key_pem: CERTS["www.key"],
    });
    const res = await call("GET", "/metrics", { key: t.adminKey });
    expect(res.status).toBe(200);
    const line = res.text
      .split("\n")
      .find(
        (l) =>
          l.startsWith("zcp_certificate_soonest_expiry_timestamp_seconds{") && l.includes(t.slug),
      );
    expect(line).toBe(
      `zcp_certificate_soonest_expiry_timestamp_seconds{project="${t.slug}"} ${WWW_NOT_AFTER / 1000}`,
    );
  });
});
