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

function withTls(tls: string, extraListener = ""): string {
  return `${BASE_SYSTEM}listeners {
    listener "https" {
        address "0.0.0.0:8443"
        protocol "https"
        tls {
${tls}
        }
    }
${extraListener}}
${BASE_UPSTREAMS}${BASE_ROUTES}`;
}

const ACME = 'acme {\n    email "ops@example.com"\n    domains "example.com"\n}';

describe("schema version and limits", () => {
  it.each([
    ['"1"', "Invalid schema version '1': Expected format: major.minor (e.g., '1.0')"],
    ['"1.0.0"', "Invalid schema version '1.0.0': Expected format: major.minor (e.g., '1.0')"],
    ['"a.b"', "Invalid schema version 'a.b': Expected format: major.minor (e.g., '1.0')"],
    [
      '"0.9"',
      "Config schema version 0.9 is older than minimum supported version 1.0. Please update your configuration.",
    ],
  ])("rejects schema-version %s", (version, message) => {
    expect(messages(validateText(`schema-version ${version}\n${baseConfig()}`))).toEqual([message]);
  });

  it("only warns about a newer schema version", () => {
    const result = validateText(`version "1.7"\n${baseConfig()}`);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((warning) => warning.message)).toContain(
      "Config schema version 1.7 is newer than supported version 1.0. Some features may not work.",
    );
  });

  it("rejects zero limits and a body limit below the fixed 1 MiB buffer", () => {
    const result = validateText(
      baseConfig(
        "limits {\n    max-header-size 0\n    max-header-count 0\n    max-body-size 1048575\n}\n",
      ),
    );
    expect(messages(result)).toEqual([
      "max_header_size_bytes must be greater than 0",
      "max_header_count must be greater than 0",
      "max_body_buffer_bytes cannot exceed max_body_size_bytes",
    ]);
    expect(validateText(baseConfig("limits {\n    max-body-size 1048576\n}\n")).errors).toEqual([]);
  });

  it("rejects route-cache-size 0", () => {
    const text = `system {\n    route-cache-size 0\n}\n${BASE_LISTENERS}${BASE_UPSTREAMS}${BASE_ROUTES}`;
    expect(messages(validateText(text))).toEqual([
      "server.route-cache-size must be greater than 0 (the route cache cannot be disabled by setting it to zero)",
    ]);
  });
});

describe("WAF, routes and upstream targets", () => {
  it("fails any waf block not set to off, including an empty one", () => {
    expect(firstMessage(validateText(baseConfig("waf {\n}\n")))).toContain(
      "WAF mode is set to 'prevention'",
    );
    expect(firstMessage(validateText(baseConfig('waf {\n    mode "detect"\n}\n')))).toContain(
      "WAF mode is set to 'detection'",
    );
    expect(validateText(baseConfig('waf {\n    mode "OFF"\n}\n')).errors).toEqual([]);
  });

  it("accepts a catch-all route only with priority low (or 10)", () => {
    const route = (priority: string) =>
      `${BASE_SYSTEM}${BASE_LISTENERS}${BASE_UPSTREAMS}routes {\n    route "all" {\n        ${priority}\n        upstream "backend"\n    }\n}\n`;
    expect(validateText(route('priority "LOW"')).errors).toEqual([]);
    expect(validateText(route("priority 10")).errors).toEqual([]);
    expect(messages(validateText(route('priority "high"')))).toEqual([
      "Route 'all' has no match conditions.\nAdd at least one match condition or set priority to \"low\" for catch-all routes.",
    ]);
    // A `match { }` block (singular) is ignored with a warning, leaving no conditions.
    const singular = validateText(route('match {\n path "/x"\n }'));
    expect(singular.errors[0]?.rule).toBe("route-no-match");
    expect(singular.warnings.map((warning) => warning.rule)).toContain("route-unknown-directive");
  });

  it.each([
    ["svc.internal:80", true],
    ["[::1]:8080", true],
    ["10.0.0.1:65535", true],
    ["localhost", false],
    ["host:99999", false],
    ["host:", false],
  ])("target address %s valid=%s", (address, valid) => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}upstreams {\n    upstream "backend" {\n        target "${address}"\n    }\n}\n${BASE_ROUTES}`;
    const expected = valid
      ? []
      : [
          `Upstream 'backend' target #1 has invalid address '${address}'.\nExpected format: HOST:PORT`,
        ];
    expect(messages(validateText(text))).toEqual(expected);
  });

  it("rejects zero agent timeouts and body limits in order", () => {
    const agent = `agents {\n    agent "a" {\n        unix-socket "/run/a.sock"\n        max-response-body-bytes 0\n        chunk-timeout-ms 0\n        max-request-body-bytes 0\n    }\n}\n`;
    const result = validateText(baseConfig(agent));
    expect(messages(result)).toEqual([
      "Agent 'a' has chunk_timeout_ms 0. Timeouts must be greater than 0.",
      "Agent 'a' has max_request_body_bytes 0. Use a positive limit, or omit the field for the default.",
      "Agent 'a' has max_response_body_bytes 0. Use a positive limit, or omit the field for the default.",
    ]);
    expect(result.warnings.map((warning) => warning.rule)).toContain("node-local-agent-socket");
  });
});

describe("TLS, SNI and ACME", () => {
  it("requires cert and key files or an acme block", () => {
    expect(firstMessage(validateText(withTls('cert-file "/c.pem"')))).toBe(
      "TLS configuration for listener 'https' requires either 'cert-file' and 'key-file', or an 'acme' block",
    );
    expect(validateText(withTls(ACME)).errors).toEqual([]);
  });

  it.each([
    ['acme {\n    domains "a.com"\n}', "ACME configuration for listener 'https' requires 'email'"],
    [
      'acme {\n    email "x@y.z"\n}',
      "ACME configuration for listener 'https' requires at least one domain in 'domains'",
    ],
    [
      'acme {\n    email "x@y.z"\n    domains "a.com"\n    eab {\n        kid "k"\n    }\n}',
      "ACME EAB configuration requires 'hmac-key'",
    ],
    [
      'acme {\n    email "x@y.z"\n    domains "a.com"\n    key-type "RSA"\n}',
      "Invalid key-type 'RSA' for listener 'https'. Valid types: ecdsa-p256, ecdsa-p384",
    ],
    [
      'acme {\n    email "x@y.z"\n    domains "a.com"\n    challenge-type "dns-01"\n}',
      "ACME configuration for listener 'https' uses DNS-01 challenge but no 'dns-provider' is configured",
    ],
    [
      'acme {\n    email "x@y.z"\n    domains "*.a.com"\n}',
      `ACME configuration for listener 'https' has wildcard domain(s) but uses HTTP-01 challenge. Wildcard domains require 'challenge-type "dns-01"'`,
    ],
    [
      'acme {\n    email "x@y.z"\n    domains "a.com"\n    dns-provider {\n        type "Route53"\n    }\n}',
      "Unknown DNS provider type 'route53' for listener 'https'. Valid types: hetzner, webhook",
    ],
    [
      'acme {\n    email "x@y.z"\n    domains "a.com"\n    dns-provider {\n        type "webhook"\n    }\n}',
      "DNS provider 'webhook' for listener 'https' requires 'url'",
    ],
    [
      'acme {\n    email "x@y.z"\n    domains "a.com"\n    dns-provider {\n        type "cloudflare"\n    }\n}',
      "DNS provider configuration for listener 'https' requires either 'credentials-file' or 'credentials-env'",
    ],
    [
      'cert-file "/c"\nkey-file "/k"\nsni {\n    hostnames "a"\n    priority-hostnames "b"\n}',
      "SNI certificate for listener 'https' cannot specify both 'hostnames' and 'priority-hostnames'. Use 'hostnames' for an explicit hostname list (no auto-extraction), or 'priority-hostnames' for priority tie-breaking with full SAN auto-extraction.",
    ],
    [
      `cert-file "/c"\nkey-file "/k"\nsni {\n    cert-file "/s"\n}`,
      "SNI certificate for listener 'https' requires either both 'cert-file' and 'key-file', or an 'acme' block",
    ],
    [
      `cert-file "/c"\nkey-file "/k"\nsni {\n    cert-file "/s"\n    ${ACME}\n}`,
      "SNI certificate for listener 'https' cannot specify both manual files and an 'acme' block",
    ],
  ])("rejects tls %j", (tls, message) => {
    expect(firstMessage(validateText(withTls(tls)))).toBe(message);
  });

  it("accepts DNS-01 wildcards with a complete provider", () => {
    const tls =
      'acme {\n    email "x@y.z"\n    domains "*.a.com"\n    challenge-type "DNS"\n    dns-provider {\n        type "hetzner"\n        credentials-env "TOKEN"\n    }\n}';
    expect(validateText(withTls(tls)).errors).toEqual([]);
  });

  it("rejects a domain managed by two ACME blocks (case-insensitive)", () => {
    const second = `    listener "other" {\n        address "0.0.0.0:9443"\n        tls {\n            cert-file "/c"\n            key-file "/k"\n            sni {\n                acme {\n                    email "x@y.z"\n                    domains "EXAMPLE.com"\n                }\n            }\n        }\n    }\n`;
    expect(messages(validateText(withTls(ACME, second)))).toEqual([
      "Domain 'EXAMPLE.com' is configured in multiple ACME blocks: listener 'https' (root acme) and listener 'other' (sni cert #0).\nEach domain must be managed by exactly one ACME block to avoid conflicts.",
    ]);
  });

  it("warns about TLS settings the runtime ignores", () => {
    const result = validateText(
      withTls('cert-file "/c"\nkey-file "/k"\nmin-version "TLSv1.3"\ncipher-suite "A"'),
    );
    expect(result.errors).toEqual([]);
    expect(
      result.warnings.filter((warning) => warning.rule === "unwired-feature").map((w) => w.message),
    ).toEqual([
      `Listener 'https' has TLS cipher_suites configured (["A"]) but Pingora's TLS integration does not yet support custom cipher suites. The default rustls cipher suite selection is used.`,
      "Listener 'https' has TLS min_version set to 'TLS1.3' but Pingora's TLS integration does not yet apply this setting. Default TLS 1.2+ is used.",
    ]);
  });
});

describe("block structure", () => {
  it.each([
    ["tls {\n}", "Unknown top-level configuration block: 'tls'"],
    ["namespaces {\n}", "Unknown top-level configuration block: 'namespaces'"],
    [
      'namespace "ns" {\n    metadata {\n    }\n}',
      "Unknown block 'metadata' in namespace 'ns'\nValid blocks are: limits, listeners, upstreams, routes, agents, filters, service, exports",
    ],
    ['namespace "ns"', "Namespace 'ns' requires a configuration block with braces {}"],
    ["namespace {\n}", "Namespace requires an ID as first argument"],
    [
      'namespace "ns" {\n    service "s" {\n        waf {\n        }\n    }\n}',
      "Unknown block 'waf' in service 's'\nValid blocks are: listener, upstreams, routes, agents, filters, limits",
    ],
    [
      'namespace "ns" {\n    service "s" {\n        listener {\n        }\n    }\n}',
      "Listener 'service-listener' requires an 'address'",
    ],
    [
      'namespace "ns" {\n    exports {\n        routes "r"\n    }\n}',
      "Unknown export type 'routes'\nValid export types are: upstreams, agents, filters",
    ],
  ])("rejects %j", (block, message) => {
    expect(firstMessage(validateText(baseConfig(`${block}\n`)))?.startsWith(message)).toBe(true);
  });

  it("wraps service listener TLS errors in the proxy's context", () => {
    const block = `namespace "ns" {\n    service "s" {\n        listener "l" {\n            address "0.0.0.0:1"\n            protocol "http2"\n            tls {\n            }\n        }\n    }\n}\n`;
    expect(firstMessage(validateText(baseConfig(block)))).toBe(
      "Failed to parse TLS config: TLS configuration for listener 'l' requires either 'cert-file' and 'key-file', or an 'acme' block",
    );
  });

  it("warns on the deprecated server block and on duplicated singletons", () => {
    const text = `server {\n}\nsystem {\n}\n${BASE_LISTENERS}${BASE_UPSTREAMS}${BASE_ROUTES}`;
    const result = validateText(text);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((warning) => warning.rule)).toEqual(
      expect.arrayContaining(["deprecated-server", "duplicate-singleton"]),
    );
  });
});
