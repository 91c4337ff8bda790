import { readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Agent, AgentFatalError } from "../../../scripts/agent/agent";
import { errorExitCode, onceExitCode } from "../../../scripts/agent/cli";
import { StateStore } from "../../../scripts/agent/state";
import { FakeControlPlane } from "./fake-control-plane";
import { type FakeProxy, memoryLogger, startFakeProxy, tempDir, testAgentConfig } from "./helpers";

let cp: FakeControlPlane;
let proxy: FakeProxy;
let tmp: { dir: string; cleanup: () => void };
let configDir: string;
let cpClosed = false;

beforeEach(async () => {
  cp = await FakeControlPlane.start();
  cpClosed = false;
  tmp = tempDir();
  configDir = join(tmp.dir, "config");
  proxy = await startFakeProxy(tmp.dir, join(configDir, "live", "zentinel.kdl"));
});

afterEach(async () => {
  await proxy.stop();
  if (!cpClosed) {
    await cp.close();
  }
  tmp.cleanup();
});

function config(overrides: Parameters<typeof testAgentConfig>[2] = {}) {
  return testAgentConfig(cp.url, join(tmp.dir, "state"), {
    configDir,
    name: "resilient-node",
    reload: { kind: "signal", pidFile: proxy.pidFile },
    healthUrl: proxy.healthUrl,
    ...overrides,
  });
}

async function agentRunning(overrides: Parameters<typeof testAgentConfig>[2] = {}) {
  const logger = memoryLogger();
  const agent = await Agent.start(config(overrides), { log: logger.log });
  const node = cp.node(agent.identity.node_id);
  const bundle = await cp.addBundle();
  cp.assign(node.id, bundle.bundleId);
  expect((await agent.runOnce()).outcome?.kind).toBe("activated");
  return { agent, node, bundle, ...logger };
}

describe("agent: control plane unreachable", () => {
  it("keeps serving the current config and backs off with growing, capped, jittered delays", async () => {
    const { agent, bundle, lines } = await agentRunning({
      pollIntervalS: 0.02,
      heartbeatIntervalS: 0.02,
    });
    const reloadsBefore = proxy.reloads().length;
    await cp.close();
    cpClosed = true;

    const once = await agent.runOnce();
    expect(once.heartbeatError).toMatch(/network error/);
    expect(once.pollError).toMatch(/network error/);
    expect(onceExitCode(once)).toBe(4);

    lines.length = 0;
    await agent.run(AbortSignal.timeout(1_500));
    const delays = lines
      .filter((l) => l.msg === "poll failed; backing off")
      .map((l) => Number(l.next_attempt_ms));
    expect(delays.length).toBeGreaterThanOrEqual(4);
    // Equal jitter: the n-th delay lies in [c/2, c] with c = min(cap, 20 ms · 2^n).
    delays.forEach((delay, n) => {
      const ceiling = Math.min(400, 20 * 2 ** n);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    });
    // Nothing touched the proxy or the live config.
    expect(readlinkSync(join(configDir, "live"))).toBe(join("versions", bundle.bundleId));
    expect(proxy.reloads()).toHaveLength(reloadsBefore);
    expect(agent.runtime.active?.bundle_id).toBe(bundle.bundleId);
  });

  it("retries 5xx and honours Retry-After on 429 before giving up", async () => {
    const { agent, node } = await agentRunning();
    cp.fail(/bundles\/latest$/, 503, 1);
    cp.fail(/heartbeat$/, 429, 1, { "retry-after": "1" });
    const started = Date.now();
    const cycle = await agent.runOnce();
    expect(cycle.pollError).toBeNull();
    expect(cycle.heartbeatError).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(
      cp
        .seen(/heartbeat$/)
        .slice(-2)
        .map((r) => r.status),
    ).toEqual([429, 200]);
    expect(node.heartbeats.length).toBeGreaterThan(0);
  });
});

describe("agent: credentials", () => {
  it("stops with exit code 3 when the node is revoked", async () => {
    const { agent, node } = await agentRunning();
    node.revoked = true;
    const error = await agent.runOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentFatalError);
    expect(errorExitCode(error)).toBe(3);
    await expect(agent.run(AbortSignal.timeout(2_000))).rejects.toThrow(/credentials rejected/);
  });

  it("refuses enrollment with a bad token (exit 3) and never writes an identity", async () => {
    const error = await Agent.start(config({ enrollmentToken: "wrong" }), memoryLogger()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentFatalError);
    expect(errorExitCode(error)).toBe(3);
    expect(await new StateStore(join(tmp.dir, "state")).loadIdentity()).toBeNull();
  });

  it("falls back to the static key when the token route fails, and re-authenticates after a refused JWT", async () => {
    cp.tokenStatus = 503;
    const { agent } = await agentRunning({ auth: "jwt" });
    expect(
      cp.seen(/heartbeat$/).every((r) => typeof r.headers["x-zentinel-node-key"] === "string"),
    ).toBe(true);
    expect(agent.client.usingToken).toBe(false);

    cp.tokenStatus = 200;
    await agent.client.refreshToken();
    cp.tokens.clear(); // the control plane forgets every JWT (e.g. key rotation)
    await agent.heartbeat();
    const last = cp.seen(/heartbeat$/).slice(-2);
    expect(last.map((r) => r.status)).toEqual([401, 200]);
    expect(last[1]?.headers["x-zentinel-node-key"]).toBeDefined();
  });
});

describe("agent: restart", () => {
  it("health-checks a bundle that was switched but never verified, and reverts it if unhealthy", async () => {
    const { agent, node, bundle } = await agentRunning();
    // Simulate a crash right after switching to a broken bundle: live link and state say "broken,
    // unverified"; the proxy has loaded it.
    const broken = await cp.addBundle({ "zentinel.kdl": "// fake-proxy: unhealthy\n" });
    const files = { "zentinel.kdl": new TextEncoder().encode("// fake-proxy: unhealthy\n") };
    await agent.configs.stage(broken.bundleId, files);
    await agent.configs.switchTo(broken.bundleId);
    const store = new StateStore(join(tmp.dir, "state"));
    const state = await store.loadRuntime();
    await store.saveRuntime({
      ...state,
      previous: state.active,
      active: {
        bundle_id: broken.bundleId,
        sequence: broken.sequence,
        version: broken.version,
        activated_at: new Date().toISOString(),
        verified: false,
      },
    });
    process.kill(proxy.pid, "SIGHUP");

    const restarted = await Agent.start(config(), memoryLogger());
    const outcome = await restarted.resume();
    expect(outcome).toMatchObject({ kind: "failed", step: "health" });
    expect(readlinkSync(join(configDir, "live"))).toBe(join("versions", bundle.bundleId));
    expect(restarted.runtime.active?.bundle_id).toBe(bundle.bundleId);
    expect(node.reports.at(-1)).toMatchObject({ bundleId: broken.bundleId, kind: "failed" });
  });

  it("refuses a state directory that belongs to another project", async () => {
    await Agent.start(config(), memoryLogger());
    const error = await Agent.start(config({ project: "other" }), memoryLogger()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentFatalError);
    expect(String(error)).toContain("belongs to project demo");
  });

  it("refuses a corrupt identity file instead of re-enrolling", async () => {
    await Agent.start(config(), memoryLogger());
    writeFileSync(join(tmp.dir, "state", "identity.json"), "{not json");
    await expect(Agent.start(config(), memoryLogger())).rejects.toThrow(/not valid JSON/);
    expect(cp.nodes.size).toBe(1);
  });
});

describe("agent: download redirects", () => {
  it("follows a redirect to another host without sending node credentials there", async () => {
    const { createServer } = await import("node:http");
    const seen: Array<Record<string, unknown>> = [];
    const storage = createServer((req, res) => {
      seen.push({ ...req.headers });
      const id = (req.url ?? "").split("/").at(-1) ?? "";
      const bundle = cp.bundles.get(id);
      res.writeHead(bundle ? 200 : 404, { "content-type": "application/zstd" });
      res.end(bundle ? Buffer.from(bundle.archive) : undefined);
    });
    await new Promise<void>((resolve) => storage.listen(0, "127.0.0.1", resolve));
    const address = storage.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      cp.downloadRedirect = (bundle) => `http://127.0.0.1:${port}/blob/${bundle.bundleId}`;
      const { agent, node } = await agentRunning({ auth: "jwt" });
      expect(agent.runtime.active?.bundle_id).toBeDefined();
      expect(seen).toHaveLength(1);
      expect(seen[0]?.["x-zentinel-node-key"]).toBeUndefined();
      expect(seen[0]?.authorization).toBeUndefined();
      // The control plane's own download route did get credentials.
      const own = cp.seen(/\/download$/);
      expect(own).toHaveLength(1);
      expect(own[0]?.headers.authorization ?? own[0]?.headers["x-zentinel-node-key"]).toBeDefined();
      expect(node.reports.at(-1)?.kind).toBe("verified");
    } finally {
      storage.closeAllConnections();
      await new Promise<void>((resolve) => storage.close(() => resolve()));
    }
  });
});
