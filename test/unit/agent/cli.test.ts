import { readlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AGENT_FLAGS } from "../../../scripts/agent/agent-flags";
import { runAgentCli } from "../../../scripts/agent/cli";
import { UsageError } from "../../../scripts/agent/flags";
import { agentHelp, defaultNodeName, parseAgentCli } from "../../../scripts/agent/options";
import { parseSimulateCli, SIMULATE_FLAGS, simulateHelp } from "../../../scripts/simulate/options";
import { ENROLLMENT_TOKEN, FakeControlPlane, PROJECT } from "./fake-control-plane";
import { memoryLogger, tempDir } from "./helpers";

const runConfig = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const cli = parseAgentCli(argv, env);
  if (cli.kind !== "run") {
    throw new Error("expected a run command line");
  }
  return cli;
};

describe("agent options", () => {
  it("reads environment variables, and flags win over them", () => {
    const env = {
      ZCP_URL: "https://zcp.example.com",
      ZCP_PROJECT: "edge",
      ZCP_STATE_DIR: "/tmp/zs",
      ZCP_LABELS: "region=eu, tier=edge",
      ZCP_PROXY_PID_FILE: "/run/zentinel.pid",
      ZCP_SIGNING_KEYS: "zk_1=AAAA",
      ZCP_HEALTH_TIMEOUT_S: "12",
    };
    const cli = runConfig(["--project", "core", "--once", "--name", "edge-1"], env);
    expect(cli.once).toBe(true);
    expect(cli.config).toMatchObject({
      url: "https://zcp.example.com",
      project: "core",
      name: "edge-1",
      stateDir: "/tmp/zs",
      configDir: join("/tmp/zs", "config"),
      labels: { region: "eu", tier: "edge" },
      reload: { kind: "signal", pidFile: "/run/zentinel.pid" },
      extraSigningKeys: [{ kid: "zk_1", publicKey: "AAAA" }],
      auth: "jwt",
    });
    expect(cli.config.health.timeoutMs).toBe(12_000);
    const { ZCP_PROXY_PID_FILE: _pidFile, ...withoutPidFile } = env;
    expect(
      runConfig(["--reload-command", "systemctl reload zentinel"], withoutPidFile).config.reload,
    ).toEqual({
      kind: "command",
      argv: ["systemctl", "reload", "zentinel"],
      timeoutMs: 30_000,
    });
  });

  it("rejects bad command lines with a usage error", () => {
    const url = ["--url", "http://127.0.0.1:8787"];
    expect(() => parseAgentCli([], {})).toThrow(/--url/);
    expect(() => parseAgentCli([...url], {})).toThrow(/exactly one way to reload/);
    expect(() => parseAgentCli([...url, "--auto-reload", "--pid", "12"], {})).toThrow(UsageError);
    expect(() => parseAgentCli([...url, "--auto-reload", "--name", "-bad"], {})).toThrow(/--name/);
    expect(() =>
      parseAgentCli([...url, "--auto-reload", "--health-timeout-s", "soon"], {}),
    ).toThrow(/number/);
    expect(() => parseAgentCli(["--nope"], {})).toThrow(UsageError);
    expect(defaultNodeName("web_01.example.com")).toBe("web_01.example.com");
    expect(defaultNodeName("-weird host!")).toBe("weird-host-");
  });

  it("documents every flag and environment variable in --help", () => {
    const help = agentHelp();
    for (const flag of AGENT_FLAGS) {
      expect(help).toContain(`--${flag.name}`);
      if (flag.env !== undefined) {
        expect(help).toContain(flag.env);
      }
    }
    expect(simulateHelp()).toContain("--enrollment-token");
    for (const flag of SIMULATE_FLAGS) {
      expect(simulateHelp()).toContain(`--${flag.name}`);
    }
  });

  it("runs one cycle with --once and exits 0; usage errors exit 2", async () => {
    const cp = await FakeControlPlane.start();
    const tmp = tempDir();
    try {
      const bundle = await cp.addBundle();
      const argv = [
        "--url",
        cp.url,
        "--project",
        PROJECT,
        "--enrollment-token",
        ENROLLMENT_TOKEN,
        "--state-dir",
        tmp.dir,
        "--auto-reload",
        "--once",
        "--name",
        "cli-node",
        "--reload-settle-ms",
        "0",
        "--health-successes",
        "1",
      ];
      const { log } = memoryLogger();
      expect(await runAgentCli(argv, {}, { log })).toBe(0);
      const node = [...cp.nodes.values()][0];
      expect(node?.name).toBe("cli-node");
      cp.assign(node?.id ?? "", bundle.bundleId);
      expect(await runAgentCli(argv, {}, { log })).toBe(0);
      expect(readlinkSync(join(tmp.dir, "config", "live"))).toBe(join("versions", bundle.bundleId));
      let printed = "";
      expect(await runAgentCli(["--help"], {}, { print: (t) => (printed += t) })).toBe(0);
      expect(printed).toContain("Exit codes");
      expect(await runAgentCli(["--once"], {}, { log })).toBe(2);
    } finally {
      await cp.close();
      tmp.cleanup();
    }
  });
});

describe("simulator options", () => {
  it("parses the documented minimal command line with defaults", () => {
    const cli = parseSimulateCli(
      [
        "--url",
        "http://127.0.0.1:8787/",
        "--api-key",
        "k",
        "--enrollment-token",
        "t",
        "--nodes",
        "1000",
      ],
      {},
    );
    expect(cli.kind).toBe("run");
    if (cli.kind !== "run") {
      return;
    }
    expect(cli.options).toMatchObject({
      url: "http://127.0.0.1:8787",
      project: "demo",
      apiKey: "k",
      nodes: 1000,
      strategy: "rolling",
      batchPercentage: 10,
      concurrency: 64,
      auth: "key",
    });
    expect(cli.options.behaviour.pollIntervalS).toEqual({ kind: "uniform", min: 2, max: 5 });
  });

  it("parses knobs and rejects nonsense", () => {
    const cli = parseSimulateCli(
      [
        "--enrollment-token",
        "t",
        "--poll-interval",
        "server",
        "--activation-delay",
        "300±50",
        "--failure-rate",
        "0.1",
        "--metrics",
        "new:error_rate=0.5±0.2,latency=80±10",
        "--seed",
        "7",
      ],
      {},
    );
    if (cli.kind !== "run") {
      throw new Error("expected run");
    }
    expect(cli.options.behaviour).toMatchObject({
      pollIntervalS: "server",
      activationDelayMs: { kind: "normal", mean: 300, sd: 50 },
      failureRate: 0.1,
      metrics: [
        {
          selector: "new",
          metrics: {
            error_rate: { kind: "normal", mean: 0.5, sd: 0.2 },
            latency: { kind: "normal", mean: 80, sd: 10 },
          },
        },
      ],
    });
    expect(() => parseSimulateCli([], {})).toThrow(/enrollment-token/);
    expect(() => parseSimulateCli(["--enrollment-token", "t", "--failure-rate", "2"], {})).toThrow(
      /between 0 and 1/,
    );
    expect(() =>
      parseSimulateCli(["--enrollment-token", "t", "--poll-interval", "5-2"], {}),
    ).toThrow(/max < min/);
    expect(() =>
      parseSimulateCli(["--enrollment-token", "t", "--metrics", "bogus:error_rate=1"], {}),
    ).toThrow(/selector/);
    expect(() =>
      parseSimulateCli(["--enrollment-token", "t", "--config", "/nonexistent.kdl"], {}),
    ).toThrow(/cannot read/);
  });
});
