import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { STALE_BUNDLE_AGE_MS } from "../../src/jobs/tasks/gc";
import { insertRollout, insertRolloutNode, runCron, setRow, setSettings } from "./cron-helpers";
import { createCompiledBundle, registerNode, type TestBundle } from "./fixtures";
import { call, createTenant } from "./harness";

const DAY_MS = 24 * 60 * 60 * 1000;

async function bundleState(b: TestBundle) {
  const row = await env.DB.prepare("SELECT deleted_at, storage_key FROM bundles WHERE id = ?")
    .bind(b.bundleId)
    .first<{ deleted_at: number | null; storage_key: string | null }>();
  const object = await env.BUNDLES.head(b.storageKey);
  if (!row) {
    return object ? "row gone, object left" : "removed";
  }
  if (row.deleted_at === null) {
    return object ? "kept" : "kept without object";
  }
  return `deleted${row.storage_key === null ? "" : " (key kept)"}${object ? ", object left" : ""}`;
}

describe("bundle GC cron", () => {
  it("keeps the newest N and every bundle in use, and collects the rest with their archives", async () => {
    const t = await createTenant();
    await setSettings(t.projectId, { bundle_retention_count: 2 });
    const now = Date.now();
    // Submitted before everything else, so it is not among the newest submissions.
    const oldFailed = await createCompiledBundle(t, { status: "failed" });
    await setRow("bundles", oldFailed.bundleId, { created_at: now - STALE_BUNDLE_AGE_MS - DAY_MS });
    const recentFailed = await createCompiledBundle(t, { status: "failed" });
    const revoked = await createCompiledBundle(t, { status: "revoked" });
    const b: TestBundle[] = [];
    for (let i = 0; i < 10; i++) {
      b.push(await createCompiledBundle(t));
    }
    const [active, staged, desired, pinned, deploying, rollbackTarget, unused, historic] = b;
    if (
      !active ||
      !staged ||
      !desired ||
      !pinned ||
      !deploying ||
      !rollbackTarget ||
      !unused ||
      !historic
    ) {
      throw new Error("fixture bundles missing");
    }
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
    await insertRollout(t.projectId, historic.bundleId, { state: "completed" });

    await runCron(now);

    const states = Object.fromEntries(
      await Promise.all(
        Object.entries({
          oldFailed,
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
          newest1: b[8] as TestBundle,
          newest2: b[9] as TestBundle,
        }).map(async ([name, bundle]) => [name, await bundleState(bundle)]),
      ),
    );
    expect(states).toEqual({
      oldFailed: "removed",
      recentFailed: "kept",
      revoked: "kept",
      active: "kept",
      staged: "kept",
      desired: "kept",
      pinned: "kept",
      deploying: "kept",
      rollbackTarget: "kept",
      unused: "removed",
      // A rollout names it: the row stays (soft-deleted), the archive goes.
      historic: "deleted",
      newest1: "kept",
      newest2: "kept",
    });

    const audit = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=bundle.garbage_collected`,
      { key: t.adminKey },
    );
    expect(audit.body.items).toHaveLength(1);
    expect(
      audit.body.items[0].diff.before.bundles.map((x: { bundle_id: string }) => x.bundle_id).sort(),
    ).toEqual([oldFailed.bundleId, unused.bundleId, historic.bundleId].sort());

    // Idempotent: nothing else to collect, nothing audited twice.
    await runCron(now + 60_000);
    const again = await call(
      "GET",
      `/api/v1/projects/${t.slug}/audit-logs?action=bundle.garbage_collected`,
      { key: t.adminKey },
    );
    expect(again.body.items).toHaveLength(1);
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
    await runCron(Date.now());
    expect(await bundleState(mine[0] as TestBundle)).toBe("removed");
    for (const kept of mine.slice(1)) {
      expect(await bundleState(kept)).toBe("kept");
    }
    expect(await bundleState(theirs[0] as TestBundle)).toBe("removed");
    expect(await bundleState(theirs[1] as TestBundle)).toBe("kept");
  });
});
