import { describe, expect, it } from "vitest";
import {
  BASE_LISTENERS,
  BASE_ROUTES,
  BASE_SYSTEM,
  BASE_UPSTREAMS,
  baseConfig,
  firstMessage,
  messages,
  validateText,
} from "./helpers.js";

function withListener(body: string): string {
  return `${BASE_SYSTEM}listeners {\n    listener "http" {\n${body}\n    }\n}\n${BASE_UPSTREAMS}${BASE_ROUTES}`;
}

function withRoute(body: string): string {
  return `${BASE_SYSTEM}${BASE_LISTENERS}${BASE_UPSTREAMS}routes {\n    route "api" {\n        matches { path-prefix "/" }\n${body}\n    }\n}\n`;
}

function withAgent(body: string, head = 'agent "a1"'): string {
  return baseConfig(`agents {\n    ${head} {\n${body}\n    }\n}\n`);
}

describe("enum values", () => {
  it("rejects an unknown listener protocol, printing it lowercased", () => {
    expect(firstMessage(validateText(withListener('address "0.0.0.0:80"\nprotocol "FTP"')))).toBe(
      "Invalid protocol 'ftp' for listener 'http'. Valid protocols: http, https, h2, h3",
    );
  });

  it("accepts protocols case-insensitively", () => {
    const result = validateText(withListener('address "0.0.0.0:80"\nprotocol "H2"'));
    expect(result.errors).toEqual([]);
    expect(result.model?.listeners[0]?.protocol).toBe("h2");
  });

  it.each([
    [
      'waf {\n    mode "audit"\n}',
      "Invalid WAF mode 'audit'. Valid options: off, detection, prevention",
    ],
    [
      'cache {\n    backend "Redis"\n}',
      "Invalid cache backend 'redis'. Valid options: memory, disk, hybrid",
    ],
    ['cache {\n    backend "disk"\n}', "Disk cache backend requires 'disk-path' to be specified"],
    [
      'rate-limits {\n    key "User"\n}',
      "Unknown rate limit key: 'user'. Valid values: client-ip, path, route, client-ip-and-path, header:<name>",
    ],
    [
      "rate-limits {\n    global {\n        burst 5\n    }\n}",
      "global rate limit requires 'max-rps'",
    ],
    [
      'observability {\n    tracing {\n        backend "XRay" {\n            endpoint "http://x"\n        }\n    }\n}',
      "Unknown tracing backend 'xray'. Supported: otlp, jaeger, zipkin",
    ],
    ["observability {\n    tracing {\n    }\n}", "tracing config requires 'backend' block"],
    [
      'waf {\n    mode "off"\n    ruleset {\n        exclusion {\n            scope "Everywhere"\n        }\n    }\n}',
      "Invalid exclusion scope 'everywhere'. Valid options: global, path=<pattern>, host=<hostname>",
    ],
    [
      'waf {\n    mode "off"\n    ruleset {\n        exclusion {\n            scope "global"\n        }\n    }\n}',
      "WAF rule exclusion requires at least one rule ID",
    ],
    [
      'waf {\n    mode "off"\n    ruleset {\n        paranoia-level 5\n    }\n}',
      "WAF paranoia level must be between 1 and 4, got 5",
    ],
    [
      'waf {\n    mode "off"\n    ruleset {\n        paranoia-level -1\n    }\n}',
      "WAF paranoia level must be between 1 and 4, got 255",
    ],
  ])("rejects %j", (block, message) => {
    expect(firstMessage(validateText(baseConfig(`${block}\n`)))).toBe(message);
  });

  it("wraps paranoia-level like a Rust `as u8` cast (260 → 4 passes)", () => {
    const result = validateText(
      baseConfig('waf {\n    mode "off"\n    ruleset {\n        paranoia-level 260\n    }\n}\n'),
    );
    expect(result.errors).toEqual([]);
    expect(result.model?.waf?.paranoiaLevel).toBe(4);
  });

  it.each([
    [
      'grpc "http://x:1"\nfailure-mode "sometimes"',
      "Unknown failure mode: 'sometimes'. Use 'open' or 'closed'",
    ],
    [
      'grpc "http://x:1"\nevents "request_headers" "on_connect"',
      "Unknown agent event: 'on_connect'",
    ],
    [
      'grpc "http://x:1"\nrequest-body-mode "chunked"',
      "Agent 'a1': unknown body streaming mode 'chunked'. Valid modes: buffer, stream, hybrid, hybrid:<bytes>",
    ],
    [
      'grpc "http://x:1"\nresponse-body-mode "hybrid:lots"',
      "Agent 'a1': invalid hybrid threshold 'lots', expected number",
    ],
    ["timeout-ms 10", "Agent 'a1' requires a transport (unix-socket, grpc, or http)"],
    ["unix-socket", "unix-socket requires 'path' attribute or argument"],
    ["grpc", "grpc requires 'address' attribute or argument"],
    ["http", "http requires 'url' attribute or argument"],
  ])("rejects agent body %j", (body, message) => {
    expect(firstMessage(validateText(withAgent(body)))).toBe(message);
  });

  it("requires an agent block and an agent id", () => {
    expect(firstMessage(validateText(baseConfig('agents {\n    agent "a1"\n}\n')))).toBe(
      "Agent 'a1' requires configuration block",
    );
    expect(firstMessage(validateText(baseConfig("agents {\n    agent {\n    }\n}\n")))).toBe(
      "Agent requires an ID as first argument",
    );
  });

  it("silently defaults enum-like strings the proxy does not check", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}upstreams {
    upstream "backend" {
        target "127.0.0.1:3000"
        load-balancing "least-connections"
    }
}
routes {
    route "api" {
        priority "urgent"
        matches { path-prefix "/" }
        upstream "backend"
        builtin-handler "teapot"
    }
}
`;
    const result = validateText(text);
    expect(result.errors).toEqual([]);
    expect(result.model?.upstreams[0]?.loadBalancing).toBe("round_robin");
    expect(result.model?.routes[0]).toMatchObject({
      priority: 50,
      builtinHandler: null,
      serviceType: "web",
    });
  });

  it("rejects unknown filter types case-sensitively and requires a type", () => {
    const filter = (body: string) => baseConfig(`filters {\n    filter "f" {\n${body}\n    }\n}\n`);
    expect(firstMessage(validateText(filter('type "CORS"')))).toBe(
      "Unknown filter type: 'CORS'. Valid types: rate-limit, agent, headers, compress, cors, timeout, log, geo, redirect, url-rewrite",
    );
    expect(firstMessage(validateText(filter("max-rps 10")))).toBe(
      "Filter definition requires a 'type' field. Valid types: rate-limit, agent, headers, compress, cors, timeout, log, geo",
    );
    expect(firstMessage(validateText(filter('type "rate-limit"\nbackend "dynamo"')))).toBe(
      "Unknown rate limit backend: 'dynamo'. Valid backends: local, redis, memcached",
    );
    expect(firstMessage(validateText(filter('type "agent"')))).toBe(
      "Agent filter requires an 'agent' field referencing an agent definition",
    );
    expect(firstMessage(validateText(filter('type "geo"')))).toBe(
      "Geo filter requires 'database-path' pointing to a GeoIP database file",
    );
  });
});

describe("value types", () => {
  it("ignores wrongly typed values instead of failing (string where int expected)", () => {
    const result = validateText(
      withAgent('grpc "http://127.0.0.1:1"\ntimeout-ms "100"') +
        'limits {\n    max-body-size "10MB"\n}\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.model?.agents[0]?.timeoutMs).toBe(1000);
    expect(result.model?.limits?.maxBodySize).toBe(10_485_760);
  });

  it("tells integers from floats by their written form", () => {
    const result = validateText(baseConfig("limits {\n    max-body-size 1000.0\n}\n"));
    expect(result.errors).toEqual([]);
    expect(result.model?.limits?.maxBodySize).toBe(10_485_760);
    expect(firstMessage(validateText(baseConfig("limits {\n    max-body-size 1000\n}\n")))).toBe(
      "max_body_buffer_bytes cannot exceed max_body_size_bytes",
    );
  });

  it("reads hexadecimal integers as integers", () => {
    const result = validateText(withRoute('upstream "backend"\npriority 0xA'));
    expect(result.model?.routes[0]?.priority).toBe(10);
  });

  it.each([
    ['max-attempts "3"', "Tried to convert value in max-attempts to u32, but failed"],
    ["max-attempts 3.0", "Tried to convert value in max-attempts to u32, but failed"],
    ["max-attempts", "Tried to parse u32 for key max-attempts but did not find a value"],
    ["max-attempts 0", "Implausible value for max-attempts"],
    ["max-attempts -1", "out of range integral type conversion attempted"],
    ["max-attempts 4294967296", "out of range integral type conversion attempted"],
    ["backoff-base-ms 100", "Got unknown key backoff-base-ms"],
    ['"max-attempts" 3', 'Got unknown key "max-attempts"'],
  ])("retry-policy { %s } is rejected", (line, message) => {
    expect(
      messages(validateText(withRoute(`upstream "backend"\nretry-policy {\n${line}\n}`))),
    ).toEqual([message]);
  });

  it("accepts retry-policy max-attempts at the u32 limit", () => {
    const result = validateText(
      withRoute('upstream "backend"\nretry-policy {\nmax-attempts 4294967295\n}'),
    );
    expect(result.errors).toEqual([]);
    expect(result.model?.routes[0]?.policies.retryMaxAttempts).toBe(4_294_967_295);
  });

  it("checks circuit-breaker keys and u64 timeout-seconds", () => {
    const breaker = (line: string) =>
      `${BASE_SYSTEM}${BASE_LISTENERS}upstreams {\n    upstream "backend" {\n        target "127.0.0.1:3000"\n        circuit-breaker {\n            ${line}\n        }\n    }\n}\n${BASE_ROUTES}`;
    expect(firstMessage(validateText(breaker("timeout-seconds 0")))).toBe(
      "Implausible value for timeout-seconds",
    );
    expect(firstMessage(validateText(breaker('timeout-seconds "x"')))).toBe(
      "Tried to convert value in timeout-seconds to u64, but failed",
    );
    expect(firstMessage(validateText(breaker("reticulate 24")))).toBe("Got unknown key reticulate");
    expect(validateText(breaker("timeout-seconds 4294967296")).errors).toEqual([]);
  });

  it("ignores a numeric schema-version and uses the default 1.0", () => {
    const result = validateText(`schema-version 2.0\n${baseConfig()}`);
    expect(result.errors).toEqual([]);
    expect(result.model?.schemaVersion).toBe("1.0");
  });

  it("takes ids from the first entry, even a property", () => {
    const result = validateText(withAgent('grpc "http://127.0.0.1:1"', 'agent type="waf" "x"'));
    expect(result.errors).toEqual([]);
    expect(result.model?.agents[0]).toMatchObject({ id: "waf", type: "waf" });
  });
});

describe("missing required fields", () => {
  it("reports a missing system and listeners block at the start of the entry file", () => {
    const result = validateText(BASE_UPSTREAMS + BASE_ROUTES);
    expect(result.errors.map((error) => [error.rule, error.line, error.column])).toEqual([
      ["system-missing", 1, 1],
      ["listeners-missing", 1, 1],
    ]);
    expect(result.errors[0]?.message).toBe(
      "Missing required 'system' configuration block\nExample:\nsystem {\nworker-threads 4\nmax-connections 10000\n}",
    );
    expect(result.errors[1]?.message).toBe(
      'Missing required \'listeners\' configuration block\nExample:\nlisteners {\nlistener "http" {\naddress "0.0.0.0:8080"\nprotocol "http"\n}\n}',
    );
  });

  it("requires listener ids and a child-node address (a property is not read)", () => {
    expect(firstMessage(validateText(withListener("")))).toBe(
      `Listener 'http' requires an 'address' field, e.g., address "0.0.0.0:8080"`,
    );
    const property = `${BASE_SYSTEM}listeners {\n    listener "http" address="0.0.0.0:80" {\n    }\n}\n${BASE_UPSTREAMS}${BASE_ROUTES}`;
    expect(firstMessage(validateText(property))).toBe(
      `Listener 'http' requires an 'address' field, e.g., address "0.0.0.0:8080"`,
    );
    const noId = `${BASE_SYSTEM}listeners {\n    listener {\n        address "0.0.0.0:80"\n    }\n}\n${BASE_UPSTREAMS}${BASE_ROUTES}`;
    expect(firstMessage(validateText(noId))).toBe(
      'Listener requires an ID argument, e.g., listener "http" { ... }',
    );
  });

  it("requires at least one resolvable upstream target", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}upstreams {\n    upstream "backend" {\n        server address="127.0.0.1:3000"\n    }\n}\n${BASE_ROUTES}`;
    expect(firstMessage(validateText(text))).toBe(
      `Upstream 'backend' requires at least one target, e.g., target "127.0.0.1:8081"`,
    );
  });

  it("accepts every documented target syntax", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}upstreams {
    upstream "backend" {
        target "10.0.0.1:80" weight=3
        target { address "10.0.0.2:80"; weight 2 }
        target address="10.0.0.3:80" weight=5
        targets {
            target "10.0.0.4:80"
        }
    }
    upstream "short" {
        address "10.0.0.9:80"
    }
}
${BASE_ROUTES}routes {\n    route "s" {\n        matches { path "/s" }\n        upstream "short"\n    }\n}\n`;
    const result = validateText(text);
    expect(result.errors).toEqual([]);
    expect(result.model?.upstreams.map((upstream) => upstream.targets)).toEqual([
      [
        { address: "10.0.0.1:80", weight: 3 },
        { address: "10.0.0.2:80", weight: 2 },
        { address: "10.0.0.3:80", weight: 5 },
        { address: "10.0.0.4:80", weight: 1 },
      ],
      [{ address: "10.0.0.9:80", weight: 1 }],
    ]);
  });

  it.each([
    [
      "static-files {\n}",
      `Static files configuration requires a 'root' directory, e.g., root "/var/www/html"`,
    ],
    [
      "shadow {\n    percentage 10\n}",
      `Shadow configuration requires an 'upstream' field, e.g., upstream "canary"`,
    ],
    [
      'shadow {\n    upstream "c"\n    sample-header 1 "v"\n}',
      "sample-header name must be a string",
    ],
    [
      'api-schema {\n    schema-file "/a.yaml"\n    schema-content "x"\n}',
      "schema-file and schema-content are mutually exclusive. Use one or the other.",
    ],
    [
      "fallback {\n    fallback-upstream {\n    }\n}",
      `fallback-upstream requires an upstream ID, e.g., fallback-upstream "anthropic" { ... }`,
    ],
    [
      'inference {\n    provider "mistral"\n}',
      "Unknown inference provider 'mistral'. Valid providers: openai, anthropic, generic",
    ],
    ["inference {\n    rate-limit {\n    }\n}", "Token rate limit requires 'tokens-per-minute'"],
    [
      'inference {\n    budget {\n        period "weekly"\n        limit 5\n    }\n}',
      "Unknown budget period 'weekly'. Valid periods: hourly, daily, monthly, or a number of seconds",
    ],
    [
      'inference {\n    model-routing {\n        model "gpt-4"\n    }\n}',
      "Model mapping requires 'upstream' attribute",
    ],
    [
      "inference {\n    guardrails {\n        pii-detection {\n        }\n    }\n}",
      "PII detection config requires 'agent' field",
    ],
  ])("rejects route block %j", (block, message) => {
    expect(firstMessage(validateText(withRoute(`upstream "backend"\n${block}`)))).toBe(message);
  });

  it("requires a route id", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}routes {\n    route {\n        matches { path "/" }\n    }\n}\n`;
    expect(firstMessage(validateText(text))).toBe(
      'Route requires an ID argument, e.g., route "api" { ... }',
    );
  });
});
