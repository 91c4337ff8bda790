import { describe, expect, it } from "vitest";
import { assessRisk, MANY_ROUTE_CHANGES, NO_BASELINE_REASON } from "../../../src/domain/risk";
import type { ConfigModel } from "../../../src/kdl/model";
import {
  agent,
  config,
  filter,
  listener,
  manyRoutes,
  route,
  tlsConfig,
  upstream,
} from "./builders";

const base = config();

describe("assessRisk: baseline", () => {
  it("is low with an explanation when there is no previous compiled bundle", () => {
    expect(assessRisk(null, base)).toEqual({ level: "low", reasons: [NO_BASELINE_REASON] });
  });

  it("is low with no reasons for an identical config", () => {
    expect(assessRisk(base, structuredClone(base))).toEqual({ level: "low", reasons: [] });
  });

  it("is low for harmless changes (new route, new upstream, timeouts)", () => {
    const next = config({
      routes: [route("api", { priority: 10 }), route("docs")],
      upstreams: [upstream("backend"), upstream("docs")],
      listeners: [listener("http", { requestTimeoutSecs: 30 })],
    });
    expect(assessRisk(base, next)).toEqual({ level: "low", reasons: [] });
  });
});

describe("assessRisk: high", () => {
  const withAuth = config({
    routes: [route("api", { policies: { auth: true } })],
    agents: [agent("authz", { type: "auth" })],
  });

  it("names a route that lost its auth policy", () => {
    const next = config({
      routes: [route("api")],
      agents: [agent("authz", { type: "auth" })],
    });
    expect(assessRisk(withAuth, next)).toEqual({
      level: "high",
      reasons: ["route 'api' lost its auth policy"],
    });
  });

  it("names a route that gained auth and an auth agent that fails open now", () => {
    const next = config({
      routes: [route("api", { policies: { auth: true } })],
      agents: [agent("authz", { type: "auth", failureMode: "open" })],
    });
    expect(assessRisk(withAuth, next).reasons).toEqual([
      "auth agent 'authz' changed (failureMode)",
    ]);
    expect(assessRisk(base, withAuth)).toEqual({
      level: "high",
      reasons: ["route 'api' gained an auth policy", "auth agent 'authz' added"],
    });
  });

  it("flags listener TLS changes: enabled, disabled, settings, added and removed", () => {
    const tls = listener("https", { tls: true, tlsConfig: tlsConfig() });
    const before = config({ listeners: [listener("http"), tls] });
    const weaker = config({
      listeners: [listener("http", { tls: true, tlsConfig: tlsConfig() })],
    });
    expect(assessRisk(before, weaker).reasons).toEqual([
      "listener 'http' now uses TLS",
      "TLS listener 'https' removed",
    ]);
    const settings = config({
      listeners: [
        listener("http"),
        { ...tls, tlsConfig: tlsConfig({ minVersion: "TLS1.3", certFile: "/x.pem" }) },
      ],
    });
    expect(assessRisk(before, settings)).toEqual({
      level: "high",
      reasons: ["listener 'https' TLS settings changed (certFile, minVersion)"],
    });
    expect(assessRisk(base, before).reasons).toEqual(["TLS listener 'https' added"]);
  });

  it("flags upstream TLS and WAF changes", () => {
    const before = config({
      waf: { engine: "coraza", mode: "prevention", paranoiaLevel: 1 },
      routes: [route("api", { policies: { waf: true } })],
    });
    const after = config({
      waf: { engine: "coraza", mode: "detection", paranoiaLevel: 2 },
      routes: [route("api")],
      upstreams: [upstream("backend", { tls: true })],
    });
    expect(assessRisk(before, after)).toEqual({
      level: "high",
      reasons: [
        "upstream 'backend' now uses TLS to its backends",
        "WAF mode changed from prevention to detection",
        "WAF paranoia level changed from 1 to 2",
        "route 'api' lost its WAF protection",
      ],
    });
    expect(
      assessRisk(before, config({ routes: [route("api", { policies: { waf: true } })] })),
    ).toMatchObject({ level: "high", reasons: ["global WAF block removed"] });
  });

  it("puts high reasons before medium ones", () => {
    const next = config({ routes: [route("api", { policies: { auth: true } })], upstreams: [] });
    expect(assessRisk(base, next)).toEqual({
      level: "high",
      reasons: ["route 'api' gained an auth policy", "upstream 'backend' removed"],
    });
  });
});

describe("assessRisk: medium", () => {
  it("names removed upstreams", () => {
    const before = config({ upstreams: [upstream("backend"), upstream("legacy")] });
    expect(assessRisk(before, base)).toEqual({
      level: "medium",
      reasons: ["upstream 'legacy' removed"],
    });
  });

  it("flags rate-limit changes on routes, filters, agents and globals", () => {
    const before = config({
      filters: [filter("rl", { type: "rate-limit", maxRps: 100 }), filter("h")],
      rateLimits: { defaultRps: 10, defaultBurst: 20, key: "client_ip", globalMaxRps: null },
    });
    const after: ConfigModel = config({
      filters: [filter("rl", { type: "rate-limit", maxRps: 50 }), filter("h", { type: "cors" })],
      rateLimits: { defaultRps: 20, defaultBurst: 20, key: "client_ip", globalMaxRps: null },
      routes: [route("api", { policies: { rateLimit: true } })],
      agents: [agent("limiter", { type: "rate_limit" })],
    });
    expect(assessRisk(before, after)).toEqual({
      level: "medium",
      reasons: [
        "global rate limits changed",
        "rate-limit filter 'rl' changed (maxRps)",
        "route 'api' gained a rate limit",
        "rate-limit agent 'limiter' added",
      ],
    });
  });

  it(`counts more than ${MANY_ROUTE_CHANGES} route changes as medium, and exactly ${MANY_ROUTE_CHANGES} as low`, () => {
    const before = config({ routes: manyRoutes(MANY_ROUTE_CHANGES) });
    const exactly = config({ routes: manyRoutes(MANY_ROUTE_CHANGES, { priority: 1 }) });
    expect(assessRisk(before, exactly).level).toBe("low");
    const more = config({
      routes: [...manyRoutes(MANY_ROUTE_CHANGES, { priority: 1 }), route("x")],
    });
    expect(assessRisk(before, more)).toEqual({
      level: "medium",
      reasons: [
        `11 routes changed (1 added, 0 removed, 10 modified; more than ${MANY_ROUTE_CHANGES})`,
      ],
    });
  });
});
