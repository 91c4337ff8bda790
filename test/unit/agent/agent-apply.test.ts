import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Agent } from "../../../scripts/agent/agent";
import { onceExitCode } from "../../../scripts/agent/cli";
import { fromBase64, sha256Hex, toBase64 } from "../../../src/bundles/bytes";
import { generateSigningKey } from "../../../src/bundles/signing";
import { zstdCompress, zstdDecompress } from "../../../src/bundles/zstd";
import { editHeader, repack, setName, unpack } from "../bundles/helpers";
import { FakeControlPlane } from "./fake-control-plane";
import { type FakeProxy, memoryLogger, startFakeProxy, tempDir, testAgentConfig } from "./helpers";

let cp: FakeControlPlane;
let proxy: FakeProxy;
let tmp: { dir: string; cleanup: () => void };
let configDir: string;

beforeEach(async () => {
  cp = await FakeControlPlane.start();
  tmp = tempDir();
  configDir = join(tmp.dir, "config");
  proxy = await startFakeProxy(tmp.dir, join(configDir, "live", "zentinel.kdl"));
});

afterEach(async () => {
  await proxy.stop();
  await cp.close();
  tmp.cleanup();
});

async function startAgent(overrides: Parameters<typeof testAgentConfig>[2] = {}) {
  const { log, lines } = memoryLogger();
  const config = testAgentConfig(cp.url, join(tmp.dir, "state"), {
    configDir,
    reload: { kind: "signal", pidFile: proxy.pidFile },
    healthUrl: proxy.healthUrl,
    metricsUrl: proxy.metricsUrl,
    ...overrides,
  });
  const agent = await Agent.start(config, { log });
  return { agent, lines, node: cp.node(agent.identity.node_id) };
}

const liveVersion = () => readlinkSync(join(configDir, "live"));
const reportKinds = (
  node: { reports: Array<{ bundleId: string; kind: string }> },
  bundleId: string,
) => node.reports.filter((r) => r.bundleId === bundleId).map((r) => r.kind);

describe("agent: happy path", () => {
  it("enrolls, polls, downloads, verifies, activates, reports and heartbeats the new bundle", async () => {
    const { agent, node } = await startAgent({ auth: "jwt" });
    // Identity persisted privately.
    const identityFile = join(tmp.dir, "state", "identity.json");
    expect(statSync(join(tmp.dir, "state")).mode & 0o777).toBe(0o700);
    expect(statSync(identityFile).mode & 0o777).toBe(0o600);
    const identity = JSON.parse(readFileSync(identityFile, "utf8"));
    expect(identity.node_id).toBe(node.id);
    expect(identity.node_key).toBe(node.key);
    expect(identity.signing_keys).toEqual([
      { kid: cp.signingKey.kid, alg: "Ed25519", public_key: cp.signingKey.publicKey },
    ]);
    expect(liveVersion()).toBe(join("versions", "bootstrap"));

    const idle = await agent.runOnce();
    expect(idle).toMatchObject({
      poll: "no_update",
      outcome: null,
      heartbeatError: null,
      pollError: null,
    });
    expect(onceExitCode(idle)).toBe(0);

    const bundle = await cp.addBundle();
    cp.assign(node.id, bundle.bundleId);
    const cycle = await agent.runOnce();
    expect(cycle.outcome).toEqual({ kind: "activated", bundleId: bundle.bundleId });
    expect(onceExitCode(cycle)).toBe(0);
    expect(reportKinds(node, bundle.bundleId)).toEqual(["staged", "activated", "verified"]);

    // The live link points at a complete copy of the bundle, and the proxy reloaded it once.
    expect(liveVersion()).toBe(join("versions", bundle.bundleId));
    expect(lstatSync(join(configDir, "live")).isSymbolicLink()).toBe(true);
    const entry = readFileSync(join(configDir, "live", "zentinel.kdl"), "utf8");
    expect(await sha256Hex(new TextEncoder().encode(entry))).toBe(
      bundle.built.manifest.files.find((f) => f.path === "zentinel.kdl")?.sha256,
    );
    expect(existsSync(join(configDir, "live", "routes", "api.kdl"))).toBe(true);
    expect(proxy.reloads()).toEqual([`HUP ${entry.split("\n")[0]}`]);

    // The heartbeat after the switch carries the truth, proxy health and interval metrics.
    const heartbeat = node.heartbeats.at(-1) as {
      active_bundle_id: string;
      health: { status: string };
      metrics: Record<string, number>;
    };
    expect(heartbeat.active_bundle_id).toBe(bundle.bundleId);
    expect(heartbeat.health.status).toBe("healthy");
    expect(heartbeat.metrics.request_count).toBe(1010);
    expect(heartbeat.metrics.error_count).toBe(10);
    expect(heartbeat.metrics.error_rate).toBeCloseTo(0.99, 2);
    expect(heartbeat.metrics.latency_p99_ms).toBeCloseTo(99.95, 1);
    expect(node.config).toBe(entry);
    expect(node.events.map((e) => e.event_type)).toEqual(
      expect.arrayContaining(["startup", "bundle_switch"]),
    );
    // JWT auth: a token was issued and used.
    expect(cp.seen(/POST .*\/token$/).length).toBeGreaterThanOrEqual(1);
    expect(cp.seen(/heartbeat$/).at(-1)?.headers.authorization).toMatch(/^Bearer /);

    // The state file says what runs; a second cycle is a 304 and changes nothing.
    expect(agent.runtime.active).toMatchObject({
      bundle_id: bundle.bundleId,
      sequence: bundle.sequence,
      verified: true,
    });
    const again = await agent.runOnce();
    expect(again.poll).toBe("no_update");
    expect(proxy.reloads()).toHaveLength(1);
  });

  it("runs the validate command on the staged files before switching", async () => {
    const check =
      "const p = process.argv[1]; require('fs').accessSync(p); if (!p.includes('/versions/')) process.exit(3)";
    const { agent, node } = await startAgent({
      validateArgv: [process.execPath, "-e", check, "{config}"],
    });
    const bundle = await cp.addBundle();
    cp.assign(node.id, bundle.bundleId);
    expect((await agent.runOnce()).outcome?.kind).toBe("activated");
  });
});

describe("agent: refusing bad bundles", () => {
  async function expectRefused(
    step: string,
    tamper: (bundle: Awaited<ReturnType<FakeControlPlane["addBundle"]>>) => Promise<void>,
  ) {
    const { agent, node } = await startAgent();
    const bundle = await cp.addBundle();
    await tamper(bundle);
    cp.assign(node.id, bundle.bundleId);
    const cycle = await agent.runOnce();
    expect(cycle.outcome).toMatchObject({ kind: "failed", step });
    expect(onceExitCode(cycle)).toBe(5);
    expect(reportKinds(node, bundle.bundleId)).toEqual(["failed"]);
    expect(String(node.reports.at(-1)?.body.error)).toMatch(new RegExp(`^${step}: `));
    expect(liveVersion()).toBe(join("versions", "bootstrap"));
    expect(proxy.reloads()).toEqual([]);
    expect(agent.runtime.quarantine.map((q) => q.bundle_id)).toEqual([bundle.bundleId]);
    expect(existsSync(join(configDir, "versions", bundle.bundleId))).toBe(false);
  }

  it("refuses an archive whose signature does not verify", async () => {
    await expectRefused("signature", async (bundle) => {
      const entries = unpack(bundle.archive).map((e) => {
        if (e.path !== "manifest.sig") {
          return e;
        }
        const sig = JSON.parse(new TextDecoder().decode(e.data));
        const raw = fromBase64(sig.sig);
        raw[0] = (raw[0] ?? 0) ^ 0xff;
        return {
          path: e.path,
          data: new TextEncoder().encode(JSON.stringify({ ...sig, sig: toBase64(raw) })),
        };
      });
      bundle.archive = repack(entries);
      bundle.checksum = await sha256Hex(bundle.archive);
    });
  });

  it("refuses an archive with a path traversal entry", async () => {
    await expectRefused("untar", async (bundle) => {
      const tar = zstdDecompress(bundle.archive);
      const index = unpack(bundle.archive).findIndex((e) => e.path === "routes/api.kdl");
      bundle.archive = zstdCompress(editHeader(tar, index, (h) => setName(h, "../evil.kdl")));
      bundle.checksum = await sha256Hex(bundle.archive);
    });
    expect(existsSync(join(tmp.dir, "evil.kdl"))).toBe(false);
    expect(existsSync(join(configDir, "evil.kdl"))).toBe(false);
  });

  it("refuses an archive that does not match the offered checksum", async () => {
    await expectRefused("checksum", async (bundle) => {
      bundle.checksum = "0".repeat(64);
    });
  });

  it("reports a failing validate command with its output and keeps the current config", async () => {
    const argv = [
      process.execPath,
      "-e",
      "console.error('route api: unknown upstream'); process.exit(1)",
      "{config}",
    ];
    const { agent, node } = await startAgent({ validateArgv: argv });
    const bundle = await cp.addBundle();
    cp.assign(node.id, bundle.bundleId);
    expect((await agent.runOnce()).outcome).toMatchObject({ kind: "failed", step: "validate" });
    const failed = node.reports.at(-1);
    expect(failed?.kind).toBe("failed");
    expect(String(failed?.body.logs)).toContain("route api: unknown upstream");
    expect(liveVersion()).toBe(join("versions", "bootstrap"));
  });
});

describe("agent: sequence rule", () => {
  it("refuses a lower sequence unless the offer is a rollback", async () => {
    const { agent, node } = await startAgent();
    const current = await cp.addBundle(undefined, { sequence: 5 });
    cp.assign(node.id, current.bundleId);
    expect((await agent.runOnce()).outcome?.kind).toBe("activated");

    const older = await cp.addBundle(undefined, { sequence: 3 });
    cp.assign(node.id, older.bundleId);
    const refused = await agent.runOnce();
    expect(refused.outcome).toMatchObject({ kind: "failed", step: "sequence" });
    expect(String(node.reports.at(-1)?.body.error)).toContain("lower than the running bundle's 5");
    expect(cp.seen(new RegExp(`${older.bundleId}/download$`))).toHaveLength(0);
    expect(liveVersion()).toBe(join("versions", current.bundleId));

    const rollback = await cp.addBundle(undefined, { sequence: 2 });
    cp.assign(node.id, rollback.bundleId, { rollback: true });
    expect((await agent.runOnce()).outcome).toEqual({
      kind: "activated",
      bundleId: rollback.bundleId,
    });
    expect(liveVersion()).toBe(join("versions", rollback.bundleId));
  });
});

describe("agent: quarantine", () => {
  it("does not retry a failed bundle until a different one is offered, across restarts", async () => {
    const { agent, node } = await startAgent();
    const bad = await cp.addBundle();
    bad.checksum = "f".repeat(64);
    cp.assign(node.id, bad.bundleId);
    expect((await agent.runOnce()).outcome?.kind).toBe("failed");
    const downloads = () => cp.seen(new RegExp(`${bad.bundleId}/download$`)).length;
    expect(downloads()).toBe(1);

    // Same offer again: the agent names it in If-None-Match and the server answers 304.
    const again = await agent.runOnce();
    expect(again.poll).toBe("not_modified");
    expect(cp.seen(/bundles\/latest$/).at(-1)?.headers["if-none-match"]).toBe(`"${bad.bundleId}"`);
    expect(onceExitCode(again)).toBe(0);

    // A restarted agent still knows (persisted), and does not download or re-report.
    const restarted = await Agent.start(
      testAgentConfig(cp.url, join(tmp.dir, "state"), { configDir }),
      memoryLogger(),
    );
    expect((await restarted.runOnce()).outcome).toEqual({
      kind: "quarantined",
      bundleId: bad.bundleId,
    });
    expect(downloads()).toBe(1);
    expect(reportKinds(node, bad.bundleId)).toEqual(["failed"]);

    // A different offer lifts the quarantine; offering the bad one afterwards retries it.
    const good = await cp.addBundle();
    cp.assign(node.id, good.bundleId);
    expect((await restarted.runOnce()).outcome?.kind).toBe("activated");
    expect(restarted.runtime.quarantine).toEqual([]);
    // (bad is older than good, so it comes back as a rollback; it is downloaded again and fails again.)
    cp.assign(node.id, bad.bundleId, { rollback: true });
    expect((await restarted.runOnce()).outcome).toMatchObject({ kind: "failed", step: "checksum" });
    expect(downloads()).toBe(2);
  });
});

describe("agent: local revert", () => {
  it("reverts to the last known good config when the proxy is unhealthy after the reload", async () => {
    const { agent, node } = await startAgent();
    const good = await cp.addBundle();
    cp.assign(node.id, good.bundleId);
    expect((await agent.runOnce()).outcome?.kind).toBe("activated");

    const broken = await cp.addBundle({
      "zentinel.kdl": "// fake-proxy: unhealthy\nsystem {\n}\n",
    });
    cp.assign(node.id, broken.bundleId);
    const cycle = await agent.runOnce();
    expect(cycle.outcome).toMatchObject({ kind: "failed", step: "health" });
    expect(reportKinds(node, broken.bundleId)).toEqual(["staged", "activated", "failed"]);
    expect(String(node.reports.at(-1)?.body.error)).toContain(`reverted to ${good.bundleId}`);

    // Live config, state and the proxy are back on the good bundle.
    expect(liveVersion()).toBe(join("versions", good.bundleId));
    expect(agent.runtime.active?.bundle_id).toBe(good.bundleId);
    expect(agent.runtime.quarantine.map((q) => q.bundle_id)).toEqual([broken.bundleId]);
    const goodFirstLine = readFileSync(
      join(configDir, "versions", good.bundleId, "zentinel.kdl"),
      "utf8",
    ).split("\n")[0];
    expect(proxy.reloads()).toEqual([
      `HUP ${goodFirstLine}`,
      "HUP // fake-proxy: unhealthy",
      `HUP ${goodFirstLine}`,
    ]);
    expect(await (await fetch(proxy.healthUrl)).json()).toEqual({ status: "healthy" });
    const heartbeat = node.heartbeats.at(-1) as { active_bundle_id: string };
    expect(heartbeat.active_bundle_id).toBe(good.bundleId);
    // The last known good version stays on disk for the next revert.
    expect(existsSync(join(configDir, "versions", good.bundleId, "zentinel.kdl"))).toBe(true);
  });

  it("reverts when the reload itself fails (proxy not running)", async () => {
    const { agent, node } = await startAgent();
    await proxy.stop();
    const bundle = await cp.addBundle();
    cp.assign(node.id, bundle.bundleId);
    const cycle = await agent.runOnce();
    expect(cycle.outcome).toMatchObject({ kind: "failed", step: "reload" });
    expect(liveVersion()).toBe(join("versions", "bootstrap"));
    expect(agent.runtime.active).toBeNull();
  });
});

describe("agent: signing-key rotation", () => {
  it("learns a rotated project key over the node API and activates bundles signed with it", async () => {
    const { agent, node } = await startAgent();
    const before = await cp.addBundle();
    cp.assign(node.id, before.bundleId);
    expect((await agent.runOnce()).outcome).toEqual({
      kind: "activated",
      bundleId: before.bundleId,
    });

    const rotated = await cp.rotateSigningKey();
    const after = await cp.addBundle();
    expect(after.kid).toBe(rotated.kid);
    cp.assign(node.id, after.bundleId);
    expect((await agent.runOnce()).outcome).toEqual({
      kind: "activated",
      bundleId: after.bundleId,
    });
    expect(cp.seen(/GET .*\/signing-keys$/)).toHaveLength(1);
    // The new key is pinned for good: the identity file lists both keys now.
    const identity = JSON.parse(readFileSync(join(tmp.dir, "state", "identity.json"), "utf8"));
    expect(identity.signing_keys.map((k: { kid: string }) => k.kid)).toEqual([
      before.kid,
      rotated.kid,
    ]);
  });

  it("still refuses a bundle signed by a key the control plane does not publish", async () => {
    const { agent, node } = await startAgent();
    const published = cp.signingKey;
    // Sign with a stray key that is never published (a forged archive), then restore.
    cp.signingKey = await generateSigningKey();
    const forged = await cp.addBundle();
    cp.signingKey = published;
    cp.assign(node.id, forged.bundleId);
    const outcome = (await agent.runOnce()).outcome;
    expect(outcome).toMatchObject({ kind: "failed", bundleId: forged.bundleId });
    expect(reportKinds(node, forged.bundleId)).toEqual(["failed"]);
    expect(cp.seen(/GET .*\/signing-keys$/)).toHaveLength(1);
  });
});
