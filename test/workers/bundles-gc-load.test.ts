/**
 * Load test (issue 17): clients submit bundles concurrently, identical content included, while
 * the GC cron runs back to back at a time past the grace period, so it collects every compiled
 * bundle it may. Afterwards every bundle id the API accepted (200/202) must be retrievable (and
 * downloadable when compiled) or explicitly collected (410 with the reason): never 404, never 5xx.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/crypto";
import { BUNDLE_GC_GRACE_MS, bundleGcTask } from "../../src/jobs/tasks/gc";
import { createServices } from "../../src/services";
import { sampleConfig } from "./bundles-helpers";
import { setSettings } from "./cron-helpers";
import { type CallResult, call, createTenant, type Tenant } from "./harness";

const CLIENTS = 8;
const DISTINCT_CONFIGS = 8;
/** Each client submits this many configs (spread so that every config is sent 4 times). */
const SUBMISSIONS_PER_CLIENT = 4;
/** Pause between GC runs, so compiles and requests get the isolate too. */
const GC_PAUSE_MS = 20;
/** A 409 "being garbage-collected" is retried after this long (the server says 5 s; tests are impatient). */
const COLLECTING_RETRY_MS = 50;
const SETTLE_TIMEOUT_MS = 60_000;
/** The GC loop stops by itself after this long even if a client hangs. */
const GC_LOOP_LIMIT_MS = 100_000;

/**
 * One run of the GC task as the cron runs it (its own services and request id), at a time past
 * the grace period of everything submitted in this test. Only GC: the other cron tasks would
 * slow the loop down without touching bundles.
 */
async function collectGarbage(): Promise<void> {
  const ctx = createExecutionContext();
  await bundleGcTask.run(
    createServices(env, ctx, `cron_${crypto.randomUUID()}`),
    Date.now() + BUNDLE_GC_GRACE_MS + 60_000,
  );
  await waitOnExecutionContext(ctx);
}

interface Tally {
  accepted: Set<string>;
  statuses: Map<number, number>;
  collectingRetries: number;
  failures: string[];
}

function count(tally: Tally, res: CallResult) {
  tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1);
}

async function client(t: Tenant, index: number, tally: Tally) {
  for (let n = 0; n < SUBMISSIONS_PER_CLIENT; n++) {
    const config = sampleConfig({ routePrefix: `/load-${(index * 3 + n) % DISTINCT_CONFIGS}` });
    for (let attempt = 0; ; attempt++) {
      const res = await call("POST", `/api/v1/projects/${t.slug}/bundles`, {
        key: t.adminKey,
        body: { config },
      });
      count(tally, res);
      if (res.status === 200 || res.status === 202) {
        tally.accepted.add(res.body.bundle_id);
        // Wait for it to settle, so the next submission of this content may find it collected.
        const settledAs = await outcome(t, res.body.bundle_id);
        if (settledAs !== "retrievable" && settledAs !== "collected") {
          tally.failures.push(`${res.body.bundle_id}: ${settledAs}`);
        }
        break;
      }
      if (res.status === 409 && res.headers.get("retry-after") !== null && attempt < 50) {
        tally.collectingRetries++;
        await new Promise((r) => setTimeout(r, COLLECTING_RETRY_MS));
        continue;
      }
      tally.failures.push(`submit: ${res.status} ${res.text.slice(0, 300)}`);
      break;
    }
  }
}

/** Polls one accepted bundle until it is compiled, failed or collected; returns the outcome. */
async function outcome(t: Tenant, bundleId: string): Promise<string> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const res = await call("GET", `/api/v1/projects/${t.slug}/bundles/${bundleId}`, {
      key: t.adminKey,
    });
    if (res.status === 410) {
      return res.body?.error?.code === "GONE" && /garbage-collected/.test(res.body.error.message)
        ? "collected"
        : `410 without reason: ${res.text}`;
    }
    if (res.status !== 200) {
      return `${res.status}: ${res.text.slice(0, 300)}`;
    }
    if (res.body.status === "compiled") {
      const dl = await exports.default.fetch(
        new Request(`http://zcp.test/api/v1/projects/${t.slug}/bundles/${bundleId}/download`, {
          headers: { authorization: `Bearer ${t.adminKey}` },
        }),
      );
      const bytes = new Uint8Array(await dl.arrayBuffer());
      if (dl.status === 200 && (await sha256Hex(bytes)) === res.body.checksum) {
        return "retrievable";
      }
      if (dl.status === 410) {
        return "collected"; // collected between the two reads
      }
      return `compiled but download ${dl.status}: ${new TextDecoder().decode(bytes.slice(0, 300))}`;
    }
    if (res.body.status === "failed") {
      return `failed: ${res.body.compiler_output}`;
    }
    if (Date.now() > deadline) {
      return `still ${res.body.status}`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("bundles under load with GC running", () => {
  it("accounts for every accepted bundle: retrievable or collected (410), never lost", {
    timeout: 150_000,
  }, async () => {
    const t = await createTenant();
    await setSettings(t.projectId, { bundle_retention_count: 2 });
    const tally: Tally = {
      accepted: new Set(),
      statuses: new Map(),
      collectingRetries: 0,
      failures: [],
    };
    let done = false;
    let gcRuns = 0;
    const gcUntil = Date.now() + GC_LOOP_LIMIT_MS;
    const gc = (async () => {
      while (!done && Date.now() < gcUntil) {
        await collectGarbage();
        gcRuns++;
        await new Promise((r) => setTimeout(r, GC_PAUSE_MS));
      }
    })();
    const started = Date.now();
    try {
      await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(t, i, tally)));
    } finally {
      done = true;
      await gc;
    }
    // One more run with nothing racing it, then every accepted id is checked again.
    await collectGarbage();
    const outcomes = await Promise.all([...tally.accepted].map((id) => outcome(t, id)));
    console.info(
      `gc load: ${CLIENTS * SUBMISSIONS_PER_CLIENT} submissions of ${DISTINCT_CONFIGS} configs in ${Date.now() - started} ms, ` +
        `statuses ${JSON.stringify(Object.fromEntries(tally.statuses))}, ${tally.collectingRetries} 409 retries, ` +
        `${gcRuns} GC runs; accepted ${tally.accepted.size}: ` +
        `${outcomes.filter((o) => o === "retrievable").length} retrievable, ${outcomes.filter((o) => o === "collected").length} collected`,
    );

    expect(tally.failures).toEqual([]);
    expect([...tally.statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    const lost = outcomes.filter((o) => o !== "retrievable" && o !== "collected");
    expect(lost).toEqual([]);
    expect(tally.accepted.size).toBe(DISTINCT_CONFIGS);
    // The run really raced GC against the submissions, and GC kept exactly the newest two.
    expect(gcRuns).toBeGreaterThan(10);
    expect(outcomes.filter((o) => o === "collected")).toHaveLength(DISTINCT_CONFIGS - 2);
    expect(outcomes.filter((o) => o === "retrievable")).toHaveLength(2);
  });
});
