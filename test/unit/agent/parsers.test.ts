import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CommandLineError,
  runCommand,
  splitCommand,
  withConfigPath,
} from "../../../scripts/agent/command";
import {
  DEFAULT_PROM_NAMES,
  histogramQuantile,
  intervalMetrics,
  latencyUnitMs,
  parsePrometheusText,
  snapshot,
} from "../../../scripts/agent/prom";
import {
  cpuPercent,
  parseMeminfo,
  parseProcStat,
  SystemStats,
} from "../../../scripts/agent/sysstats";

describe("Prometheus text parsing", () => {
  const text = [
    "# HELP zentinel_requests_total Requests",
    "# TYPE zentinel_requests_total counter",
    'zentinel_requests_total{route="api",status="200"} 900',
    'zentinel_requests_total{route="api",status="503"} 60 1700000000000',
    'zentinel_requests_total{route="web",status="500"} 40',
    'zentinel_request_duration_seconds_bucket{route="api",le="0.1"} 500',
    'zentinel_request_duration_seconds_bucket{route="api",le="0.5"} 900',
    'zentinel_request_duration_seconds_bucket{route="api",le="+Inf"} 1000',
    'weird{msg="a \\"quoted\\" \\\\ value\\n",x="y"} +Inf',
    "not a sample",
    "",
  ].join("\n");

  it("parses names, escaped labels, special values and timestamps", () => {
    const samples = parsePrometheusText(text);
    expect(samples).toHaveLength(7);
    expect(samples[1]).toEqual({
      name: "zentinel_requests_total",
      labels: { route: "api", status: "503" },
      value: 60,
    });
    expect(samples.at(-1)).toEqual({
      name: "weird",
      labels: { msg: 'a "quoted" \\ value\n', x: "y" },
      value: Infinity,
    });
  });

  it("derives interval requests, errors, error rate and p99 from two scrapes", () => {
    const prev = snapshot(parsePrometheusText(text), DEFAULT_PROM_NAMES);
    expect(prev).toMatchObject({ requests: 1000, errors: 100, hasRequests: true });
    const later = text
      .replace("} 900\n", "} 1800\n")
      .replace('le="0.1"} 500', 'le="0.1"} 950')
      .replace('le="0.5"} 900', 'le="0.5"} 1800')
      .replace('le="+Inf"} 1000', 'le="+Inf"} 1900');
    const curr = snapshot(parsePrometheusText(later), DEFAULT_PROM_NAMES);
    const m = intervalMetrics(prev, curr, latencyUnitMs(DEFAULT_PROM_NAMES.latencyHistogram));
    // 900 new requests, none failed; of 900 new observations 450 are ≤ 0.1 s and all ≤ 0.5 s, so
    // the p99 rank 891 lies in (0.1, 0.5]: 0.1 + 0.4 · (891 − 450) / 450 s = 492 ms.
    expect(m).toMatchObject({ request_count: 900, error_count: 0, error_rate: 0 });
    expect(m?.latency_p99_ms).toBeCloseTo(492, 6);
  });

  it("treats a counter that went down as a restart", () => {
    const prev = {
      requests: 5000,
      errors: 50,
      buckets: new Map([[Infinity, 5000]]),
      hasRequests: true,
    };
    const curr = {
      requests: 200,
      errors: 20,
      buckets: new Map([[Infinity, 200]]),
      hasRequests: true,
    };
    expect(intervalMetrics(prev, curr, 1000)).toMatchObject({
      request_count: 200,
      error_count: 20,
      error_rate: 10,
    });
  });

  it("interpolates histogram quantiles like histogram_quantile", () => {
    const buckets = new Map([
      [0.1, 50],
      [0.2, 100],
      [Infinity, 100],
    ]);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.75, buckets)).toBeCloseTo(0.15);
    expect(
      histogramQuantile(
        0.99,
        new Map([
          [0.1, 10],
          [Infinity, 1000],
        ]),
      ),
    ).toBe(0.1);
    expect(histogramQuantile(0.99, new Map())).toBeNull();
    expect(latencyUnitMs("x_milliseconds")).toBe(1);
    expect(latencyUnitMs("x_seconds")).toBe(1000);
  });
});

describe("/proc parsing", () => {
  it("computes CPU busy percent from two /proc/stat readings", () => {
    const a = parseProcStat("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n");
    const b = parseProcStat("cpu  200 0 200 1300 300 0 0 0 0 0\n");
    expect(a).toEqual({ idle: 800, total: 1000 });
    expect(a && b && cpuPercent(a, b)).toBeCloseTo(20);
    expect(parseProcStat("intr 1 2 3")).toBeNull();
  });

  it("computes memory use from MemTotal and MemAvailable", () => {
    expect(
      parseMeminfo("MemTotal:       1000 kB\nMemFree: 10 kB\nMemAvailable:    250 kB\n"),
    ).toBeCloseTo(75);
    expect(parseMeminfo("MemTotal: 1000 kB\n")).toBeNull();
  });
});

describe("command lines", () => {
  it("splits like a shell without expanding anything", () => {
    expect(splitCommand(`zentinel validate -c {config}`)).toEqual([
      "zentinel",
      "validate",
      "-c",
      "{config}",
    ]);
    expect(splitCommand(`sh -c 'echo $HOME; ls' "a \\"b\\" c" d\\ e`)).toEqual([
      "sh",
      "-c",
      "echo $HOME; ls",
      'a "b" c',
      "d e",
    ]);
    expect(() => splitCommand(`echo "open`)).toThrow(CommandLineError);
    expect(() => splitCommand("   ")).toThrow(CommandLineError);
    expect(withConfigPath(["a", "--config={config}"], "/x y/zentinel.kdl")).toEqual([
      "a",
      "--config=/x y/zentinel.kdl",
    ]);
  });

  it("runs a command and reports exit code, output, timeouts and spawn failures", async () => {
    const ok = await runCommand(
      [process.execPath, "-e", "console.log('out'); console.error('err')"],
      { timeoutMs: 5_000 },
    );
    expect(ok).toMatchObject({ ok: true, code: 0, stdout: "out\n", stderr: "err\n" });
    const bad = await runCommand([process.execPath, "-e", "process.exit(7)"], { timeoutMs: 5_000 });
    expect(bad).toMatchObject({ ok: false, code: 7, timedOut: false });
    const slow = await runCommand([process.execPath, "-e", "setTimeout(() => {}, 10000)"], {
      timeoutMs: 100,
    });
    expect(slow).toMatchObject({ ok: false, timedOut: true });
    const missing = await runCommand(["/nonexistent/zentinel"], { timeoutMs: 1_000 });
    expect(missing.ok).toBe(false);
    expect(missing.spawnError).toMatch(/ENOENT/);
  });
});

describe("SystemStats", () => {
  it("reports CPU only over windows of at least a second, and memory every time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "proc-"));
    try {
      let now = 0;
      const stats = new SystemStats(dir, () => now);
      writeFileSync(join(dir, "meminfo"), "MemTotal: 1000 kB\nMemAvailable: 600 kB\n");
      writeFileSync(join(dir, "stat"), "cpu  0 0 0 0 0 0 0 0\n");
      expect(await stats.sample()).toEqual({ memory_percent: 40 });
      now = 10;
      writeFileSync(join(dir, "stat"), "cpu  100 0 0 0 0 0 0 0\n");
      expect(await stats.sample()).toEqual({ memory_percent: 40 });
      now = 2_000;
      writeFileSync(join(dir, "stat"), "cpu  100 0 0 300 0 0 0 0\n");
      expect(await stats.sample()).toEqual({ cpu_percent: 25, memory_percent: 40 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
