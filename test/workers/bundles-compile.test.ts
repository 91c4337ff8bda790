import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { CompileJob } from "../../src/env";
import { compileBundle, MAX_RETRY_DELAY_S, retryDelaySeconds } from "../../src/jobs/compile";
import "../../src/jobs/compile-dlq";
import { handleQueue } from "../../src/jobs/queue";
import { createServices, type Services } from "../../src/services";
import {
  bundleRow,
  compiled,
  insertBundle,
  sampleConfig,
  settled,
  submit,
} from "./bundles-helpers";
import { call, createTenant, type Tenant } from "./harness";

function services(mode: "embedded" | "container" = "embedded"): Services {
  const base = createServices(env, createExecutionContext(), `test_${crypto.randomUUID()}`);
  return { ...base, config: { ...base.config, VALIDATOR_MODE: mode } };
}

const job = (t: Tenant, bundleId: string): CompileJob => ({ bundleId, projectId: t.projectId });

async function runQueue(queue: string, bodies: CompileJob[], environment = env) {
  const batch = createMessageBatch<unknown>(
    queue,
    bodies.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  // getQueueResult records which messages were retried but not their delay; spy on it.
  const delays = batch.messages.map((message) => vi.spyOn(message, "retry"));
  const ctx = createExecutionContext();
  await handleQueue(batch, environment, ctx);
  await waitOnExecutionContext(ctx);
  const result = await getQueueResult(batch, ctx);
  return {
    ...result,
    retryDelays: delays.flatMap((spy) => spy.mock.calls.map(([options]) => options?.delaySeconds)),
  };
}

async function events(t: Tenant, type: string) {
  const { results } = await env.DB.prepare(
    "SELECT payload FROM events WHERE project_id = ? AND type = ?",
  )
    .bind(t.projectId, type)
    .all<{ payload: string }>();
  return results.map((r) => JSON.parse(r.payload) as Record<string, unknown>);
}

describe("compileBundle (the consumer, called directly)", () => {
  it("compiles a pending bundle once; redelivery is acknowledged and skipped", async () => {
    const t = await createTenant();
    const id = await insertBundle(t, sampleConfig());
    const first = await compileBundle(services(), job(t, id));
    expect(first).toMatchObject({ kind: "compiled", bundleId: id });
    const row = await bundleRow(id);
    expect(row).toMatchObject({ status: "compiled", compile_attempts: 1 });
    expect(row?.storage_key).toBe(`bundles/${t.projectId}/${id}.tar.zst`);
    const stored = await env.BUNDLES.head(`bundles/${t.projectId}/${id}.tar.zst`);
    expect(stored?.httpMetadata?.contentType).toBe("application/zstd");
    expect(stored?.customMetadata?.sha256).toBe(row?.checksum);
    expect(stored?.size).toBe(row?.size_bytes);

    const again = await compileBundle(services(), job(t, id));
    expect(again).toMatchObject({ kind: "skipped", reason: "bundle is compiled" });
    expect((await bundleRow(id))?.compile_attempts).toBe(1);
    expect(await events(t, "bundle.compiled")).toHaveLength(1);
  });

  it("marks a config the validator rejects as failed, with its output and diagnostics", async () => {
    const t = await createTenant();
    const id = await insertBundle(
      t,
      sampleConfig().replace('protocol "http"', 'protocol "gopher"'),
    );
    const outcome = await compileBundle(services(), job(t, id));
    expect(outcome).toMatchObject({ kind: "failed", reason: "configuration rejected" });
    const bundle = await call("GET", `/api/v1/projects/${t.slug}/bundles/${id}`, {
      key: t.adminKey,
    });
    expect(bundle.body.status).toBe("failed");
    expect(bundle.body.compiler_output).toContain("zentinel.kdl:7:9: Invalid protocol 'gopher'");
    expect(bundle.body.diagnostics[0]).toMatchObject({ file: "zentinel.kdl", line: 7, column: 9 });
    expect(await env.BUNDLES.head(`bundles/${t.projectId}/${id}.tar.zst`)).toBeNull();
    expect(await events(t, "bundle.failed")).toEqual([
      { bundle_id: id, version: "v1", reason: "configuration rejected" },
    ]);
  });

  it("container mode without a container: retried with backoff, never skipped or compiled", async () => {
    const t = await createTenant();
    const id = await insertBundle(t, sampleConfig());
    const first = await compileBundle(services("container"), job(t, id));
    expect(first).toMatchObject({ kind: "retry", delaySeconds: retryDelaySeconds(1) });
    expect(retryDelaySeconds(1)).toBe(10);
    const second = await compileBundle(services("container"), job(t, id));
    expect(second).toMatchObject({ kind: "retry", delaySeconds: 20 });
    const row = await bundleRow(id);
    expect(row).toMatchObject({ status: "compiling", compile_attempts: 2, checksum: null });
    expect(row?.compiler_output).toMatch(/^attempt 2 failed: validator container unavailable/);
    expect(await env.BUNDLES.head(`bundles/${t.projectId}/${id}.tar.zst`)).toBeNull();
    expect(retryDelaySeconds(10)).toBe(MAX_RETRY_DELAY_S);
  });

  it("container mode through the queue handler: the message is retried with a delay", async () => {
    const t = await createTenant();
    const id = await insertBundle(t, sampleConfig());
    const result = await runQueue("zentinel-cp-compile", [job(t, id)], {
      ...env,
      VALIDATOR_MODE: "container",
    });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "msg-0" }]);
    expect(result.retryDelays).toEqual([10]);
    expect((await bundleRow(id))?.status).toBe("compiling");
  });

  it("acks malformed and unknown jobs without touching anything", async () => {
    const t = await createTenant();
    const result = await runQueue("zentinel-cp-compile", [
      { bundleId: "not-a-digest", projectId: t.projectId },
      job(t, "a".repeat(64)),
    ]);
    expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1"]);
    expect(result.retryMessages).toEqual([]);
  });
});

describe("compile dead-letter queue", () => {
  it("marks a bundle that exhausted its retries failed, says why, and emits bundle.failed", async () => {
    const t = await createTenant();
    const id = await insertBundle(t, sampleConfig(), {
      status: "compiling",
      attempts: 6,
      output: "attempt 6 failed: validator container unavailable: no container",
    });
    const done = await insertBundle(t, sampleConfig({ routePrefix: "/done" }), {
      status: "compiled",
    });
    const result = await runQueue("zentinel-cp-compile-dlq", [job(t, id), job(t, done)]);
    expect(result.explicitAcks.sort()).toEqual(["msg-0", "msg-1"]);
    const row = await bundleRow(id);
    expect(row?.status).toBe("failed");
    expect(row?.compiler_output).toBe(
      "gave up after 6 attempts: attempt 6 failed: validator container unavailable: no container",
    );
    expect((await bundleRow(done))?.status).toBe("compiled");
    expect(await events(t, "bundle.failed")).toEqual([
      { bundle_id: id, version: "v1", reason: "compile queue gave up after 6 attempts" },
    ]);
  });

  it("a failed bundle can be resubmitted: new sequence, compiled by the real consumer", async () => {
    const t = await createTenant();
    await compiled(t, { config: sampleConfig({ routePrefix: "/first" }) });
    const id = await insertBundle(t, sampleConfig(), {
      status: "failed",
      attempts: 6,
      sequence: 2,
    });
    await compiled(t, { config: sampleConfig({ routePrefix: "/third" }) });
    const res = await submit(t, { config: sampleConfig() });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      bundle_id: id,
      status: "pending",
      sequence: 4,
      version: "v4",
    });
    const bundle = await settled(t, id);
    expect(bundle).toMatchObject({ status: "compiled", compile_attempts: 1 });
    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=bundle.resubmitted`,
      { key: t.adminKey },
    );
    expect(audit.body.items).toHaveLength(1);
  });
});
