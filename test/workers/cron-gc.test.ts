import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  BUNDLE_GC_GRACE_MS,
  BUNDLE_TOMBSTONE_RETENTION_MS,
  STALE_BUNDLE_AGE_MS,
} from "../../src/jobs/tasks/gc";
import { compiled, download, sampleConfig, settled, submit } from "./bundles-helpers";
import { insertRollout, insertRolloutNode, runCron, setRow, setSettings } from "./cron-helpers";
import { createCompiledBundle, nodeKeyHeaders, registerNode, type TestBundle } from "./fixtures";
import { call, createTenant, expectEnvelope, type Tenant } from "./harness";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A cron run late enough that every fixture created "now" is past the grace period. */
const afterGrace = () => Date.now() + BUNDLE_GC_GRACE_MS + 60_000;

async function bundleState(b: TestBundle) {
  const row = await env.DB.prepare(
    "SELECT deleted_at, storage_key, gc_reason, files FROM bundles WHERE id = ?",
  )
    .bind(b.bundleId)
    .first<{
      deleted_at: number | null;
      storage_key: string | null;
      gc_reason: string | null;
      files: string;
    }>();
  const object = await env.BUNDLES.head(b.storageKey);
  if (!row) {
    return object ? "row gone, object left" : "removed";
  }
  if (row.deleted_at === null) {
    return object ? "kept" : "kept without object";
  }
  if (row.gc_reason === null || row.files !== "{}") {
    return "deleted without reason or not compacted";
  }
  return `tombstone${row.storage_key === null ? "" : " (key kept)"}${object ? ", object left" : ""}`;
}

/** Every operator route of one bundle (and the rollout create that names it). */
function bundleRoutes(t: Tenant, bundleId: string): Array<[string, string, unknown?]> {
  const base = `/api/v1/projects/${t.slug}/bundles/${bundleId}`;
  return [
    ["GET", base],
    ["GET", `${base}/download`],
    ["GET", `${base}/config`],
    ["GET", `${base}/sbom`],
    ["GET", `${base}/diff`],
    ["POST", `${base}/revoke`, {}],
    [
      "POST",
      `/api/v1/projects/${t.slug}/rollouts`,
      { bundle_id: bundleId, target_selector: { type: "all" }, strategy: "all_at_once" },
    ],
  ];
}

describe("bundle GC cron", () => {
  it("keeps the newest N, recent, in-flight and in-use bundles, and collects the rest into tombstones", async () => {
    const t = await createTenant();
    await setSettings(t.projectId, { bundle_retention_count: 2 });
    const at = afterGrace();
    // Submitted before everything else, so it is not among the newest submissions.
    const oldFailed = await createCompiledBundle(t, { status: "failed" });
    await setRow("bundles", oldFailed.bundleId, {
      created_at: at - STALE_BUNDLE_AGE_MS - DAY_MS,
      last_submitted_at: at - STALE_BUNDLE_AGE_MS - DAY_MS,
      compiled_at: null,
    });
    const oldPending = await createCompiledBundle(t, { status: "pending" });
    const oldCompiling = await createCompiledBundle(t, { status: "compiling" });
    for (const b of [oldPending, oldCompiling]) {
      await setRow("bundles", b.bundleId, { created_at: at - 30 * DAY_MS });
    }
    const recentFailed = await createCompiledBundle(t, { status: "failed" });
    const revoked = await createCompiledBundle(t, { status: "revoked" });
    const b: TestBundle[] = [];
    for (let i = 0; i < 12; i++) {
      b.push(await createCompiledBundle(t));
    }
    const [active, staged, desired, pinned, deploying, rollbackTarget, unused, historic] = b;
    const [historicTarget, justResubmitted] = b.slice(8);
    if (
      !active ||
      !staged ||
      !desired ||
      !pinned ||
      !deploying ||
      !rollbackTarget ||
      !unused ||
      !historic ||
      !historicTarget ||
      !justResubmitted
    ) {
      throw new Error("fixture bundles missing");
    }
    // Old bundle, but its content was submitted again a minute before the run.
    await setRow("bundles", justResubmitted.bundleId, { last_submitted_at: at - 60_000 });
    const nodeA = await registerNode(t);
    const nodeB = await registerNode(t);
    await setRow("nodes", nodeA.nodeId, {
      active_bundle_id: active.bundleId,
      staged_bundle_id: staged.bundleId,
    });
    await setRow("nodes", nodeB.nodeId, {
      desired_bundle_id: desired.bundleId,
      pinned_bundle_id: pinned.bundleId,
    });
    const running = await insertRollout(t.projectId, deploying.bundleId, { state: "running" });
    await insertRolloutNode(running, nodeA.nodeId, rollbackTarget.bundleId);
    const completed = await insertRollout(t.projectId, historic.bundleId, { state: "completed" });
    await insertRolloutNode(completed, nodeB.nodeId, historicTarget.bundleId);

    // Within the grace period nothing compiled is collected, however many bundles follow.
    await runCron(Date.now());
    expect(await bundleState(unused)).toBe("kept");

    await runCron(at);

    const states = Object.fromEntries(
      await Promise.all(
        Object.entries({
          oldFailed,
          oldPending,
          oldCompiling,
          recentFailed,
          revoked,
          active,
          staged,
          desired,
          pinned,
          deploying,
          rollbackTarget,
          unused,
          historic,
          historicTarget,
          justResubmitted,
          newest1: b[10] as TestBundle,
          newest2: b[11] as TestBundle,
        }).map(async ([name, bundle]) => [name, await bundleState(bundle)]),
      ),
    );
    expect(states).toEqual({
      oldFailed: "tombstone",
      // A compile is in flight or owed: never collected.
      oldPending: "kept",
      oldCompiling: "kept",
      recentFailed: "kept",
      revoked: "kept",
      active: "kept",
      staged: "kept",
      desired: "kept",
      pinned: "kept",
      deploying: "kept",
      rollbackTarget: "kept",
      unused: "tombstone",
      // Any rollout keeps its bundle and its rollback targets (a finished rollout can still be
      // rolled back).
      historic: "kept",
      historicTarget: "kept",
      justResubmitted: "kept",
      newest1: "kept",
      newest2: "kept",
    });

    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=bundle.garbage_collected`,
      { key: t.adminKey },
    );
    // The early run already collected the failed bundle (it is a week old either way).
    const collected = (
      items: Array<{ diff: { before: { bundles: Array<{ bundle_id: string }> } } }>,
    ) => items.flatMap((i) => i.diff.before.bundles.map((x) => x.bundle_id)).sort();
    expect(collected(audit.body.items)).toEqual([oldFailed.bundleId, unused.bundleId].sort());

    // Idempotent: nothing else to collect, nothing audited twice.
    await runCron(at + 60_000);
    const again = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=bundle.garbage_collected`,
      { key: t.adminKey },
    );
    expect(again.body.items).toHaveLength(audit.body.items.length);
  });

  it("uses the default retention of 20 and leaves other projects alone", async () => {
    const t = await createTenant();
    const other = await createTenant();
    await setSettings(other.projectId, { bundle_retention_count: 1 });
    const mine: TestBundle[] = [];
    for (let i = 0; i < 21; i++) {
      mine.push(await createCompiledBundle(t));
    }
    const theirs = [await createCompiledBundle(other), await createCompiledBundle(other)];
    await runCron(afterGrace());
    expect(await bundleState(mine[0] as TestBundle)).toBe("tombstone");
    for (const kept of mine.slice(1)) {
      expect(await bundleState(kept)).toBe("kept");
    }
    expect(await bundleState(theirs[0] as TestBundle)).toBe("tombstone");
    expect(await bundleState(theirs[1] as TestBundle)).toBe("kept");
  });
});

describe("bundle GC tombstones", () => {
  it("answers every bundle route of a collected bundle with 410 and the reason", async () => {
    const t = await createTenant();
    await setSettings(t.projectId, { bundle_retention_count: 1 });
    const old = await createCompiledBundle(t);
    await createCompiledBundle(t);
    const node = await registerNode(t);
    await env.DB.prepare(
      "INSERT INTO node_assignments (node_id, bundle_id, first_assigned_at) VALUES (?,?,?)",
    )
      .bind(node.nodeId, old.bundleId, Date.now())
      .run();
    await runCron(afterGrace());
    expect(await bundleState(old)).toBe("tombstone");

    for (const [method, path, body] of bundleRoutes(t, old.bundleId)) {
      const err = expectEnvelope(await call(method, path, { key: t.adminKey, body }), 410, "GONE");
      expect(err.message, `${method} ${path}`).toContain("garbage-collected at");
      expect(err.message).toContain("not among the project's newest 1 compiled bundles");
    }
    // The node that once had it assigned is told the same.
    const nodeDownload = await call(
      "GET",
      `/api/v1/nodes/${node.nodeId}/bundles/${old.bundleId}/download`,
      { headers: nodeKeyHeaders(node.nodeKey) },
    );
    expectEnvelope(nodeDownload, 410, "GONE");
    // Lists show live bundles only.
    const list = await call("GET", `/api/v1/projects/${t.slug}/bundles`, { key: t.adminKey });
    expect(list.body.items.map((x: { bundle_id: string }) => x.bundle_id)).not.toContain(
      old.bundleId,
    );
    // Another project never learns about it.
    const other = await createTenant();
    expectEnvelope(
      await call("GET", `/api/v1/projects/${other.slug}/bundles/${old.bundleId}`, {
        key: other.adminKey,
      }),
      404,
      "NOT_FOUND",
    );
  });

  it("removes tombstones, their download permissions and secret references after 30 days; then the bundle is 404", async () => {
    const t = await createTenant();
    await setSettings(t.projectId, { bundle_retention_count: 1 });
    const old = await createCompiledBundle(t);
    const kept = await createCompiledBundle(t);
    const node = await registerNode(t);
    await env.DB.prepare(
      "INSERT INTO node_assignments (node_id, bundle_id, first_assigned_at) VALUES (?,?,?)",
    )
      .bind(node.nodeId, old.bundleId, Date.now())
      .run();
    const refs = (bundleId: string) =>
      env.DB.prepare("SELECT kind, name FROM bundle_secret_refs WHERE bundle_id = ? ORDER BY kind")
        .bind(bundleId)
        .all<{ kind: string; name: string }>()
        .then((r) => r.results);
    for (const b of [old, kept]) {
      await env.DB.prepare(
        `INSERT INTO bundle_secret_refs (bundle_id, project_id, kind, name)
         VALUES (?1, ?2, 'certificate', 'edge'), (?1, ?2, 'secret', 'db-password')`,
      )
        .bind(b.bundleId, t.projectId)
        .run();
    }
    const collectedAt = afterGrace();
    await runCron(collectedAt);
    await runCron(collectedAt + BUNDLE_TOMBSTONE_RETENTION_MS - 60_000);
    expect(await bundleState(old)).toBe("tombstone");
    await runCron(collectedAt + BUNDLE_TOMBSTONE_RETENTION_MS + 60_000);
    expect(await bundleState(old)).toBe("removed");
    const assignments = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM node_assignments WHERE bundle_id = ?",
    )
      .bind(old.bundleId)
      .first<{ n: number }>();
    expect(assignments?.n).toBe(0);
    expect(await refs(old.bundleId)).toEqual([]);
    // The kept bundle's references are untouched.
    expect(await refs(kept.bundleId)).toEqual([
      { kind: "certificate", name: "edge" },
      { kind: "secret", name: "db-password" },
    ]);
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/bundles/${old.bundleId}`, { key: t.adminKey }),
      404,
      "NOT_FOUND",
    );
  });
});

/** Moves every timestamp of a real bundle back so that it is past the grace period now. */
async function age(bundleId: string, byMs = BUNDLE_GC_GRACE_MS + 60_000) {
  await env.DB.prepare(
    `UPDATE bundles SET created_at = created_at - ?1, last_submitted_at = last_submitted_at - ?1,
       compiled_at = compiled_at - ?1 WHERE id = ?2`,
  )
    .bind(byMs, bundleId)
    .run();
}

describe("bundle GC and submissions", () => {
  it("a resubmission restarts the grace period", async () => {
    const t = await createTenant();
    await setSettings(t.projectId, { bundle_retention_count: 1 });
    const first = await compiled(t, { config: sampleConfig({ routePrefix: "/first" }) });
    await compiled(t, { config: sampleConfig({ routePrefix: "/second" }) });
    await age(first.bundle_id);
    const again = await submit(t, { config: sampleConfig({ routePrefix: "/first" }) });
    expect(again.status, again.text).toBe(200);
    await runCron(Date.now());
    const res = await call("GET", `/api/v1/projects/${t.slug}/bundles/${first.bundle_id}`, {
      key: t.adminKey,
    });
    expect(res.status, res.text).toBe(200);
    // Without the resubmission the same run collects it.
    await age(first.bundle_id);
    await runCron(Date.now());
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/bundles/${first.bundle_id}`, {
        key: t.adminKey,
      }),
      410,
      "GONE",
    );
  });

  it("holds off a resubmission (409, Retry-After) while the archive is being deleted, then rebuilds it", async () => {
    const t = await createTenant();
    await setSettings(t.projectId, { bundle_retention_count: 1 });
    const config = sampleConfig({ routePrefix: "/gc" });
    const first = await compiled(t, { config });
    await compiled(t, { config: sampleConfig({ routePrefix: "/newer" }) });
    // Step 1 has marked it; the archive delete (step 2) has not happened yet.
    await setRow("bundles", first.bundle_id, { deleted_at: Date.now(), gc_reason: "test" });
    const held = await submit(t, { config });
    const err = expectEnvelope(held, 409, "CONFLICT");
    expect(err.message).toContain("being garbage-collected");
    expect(held.headers.get("retry-after")).toBe("5");

    await runCron(Date.now()); // deletes the archive, leaves the tombstone
    expectEnvelope(await download(t, first.bundle_id), 410, "GONE");
    const rebuilt = await submit(t, { config });
    expect(rebuilt.status, rebuilt.text).toBe(202);
    expect(rebuilt.body.bundle_id).toBe(first.bundle_id);
    expect(rebuilt.body.sequence).toBeGreaterThan(first.sequence);
    const done = await settled(t, first.bundle_id);
    expect(done.status).toBe("compiled");
    expect(done.checksum).toBe(first.checksum);
    const dl = await download(t, first.bundle_id);
    expect(dl.status).toBe(200);
    const config2 = await call(
      "GET",
      `/api/v1/projects/${t.slug}/bundles/${first.bundle_id}/config`,
      {
        key: t.adminKey,
      },
    );
    expect(config2.status, config2.text).toBe(200);
    expect(config2.text).toContain("/gc");
  });
});
