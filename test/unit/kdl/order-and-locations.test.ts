import { describe, expect, it } from "vitest";
import {
  BASE_LISTENERS,
  BASE_SYSTEM,
  BASE_UPSTREAMS,
  baseConfig,
  columnOf,
  lineOf,
  messages,
  validateText,
} from "./helpers.js";

describe("syntax errors", () => {
  it("rejects KDL v1 bare booleans at the keyword's line and column", () => {
    const text = `${BASE_SYSTEM}routes {\n    route "ws" {\n        websocket true\n    }\n}\n`;
    const result = validateText(text);
    const line = lineOf(text, "websocket true");
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({
      file: "zentinel.kdl",
      line,
      column: columnOf(text, line, "true"),
      message: "KDL parse error during include expansion: Failed to parse KDL document",
      rule: "kdl-syntax",
    });
    expect(result.model).toBeNull();
  });

  it("rejects [ … ] arrays at the bracket", () => {
    const text = 'system {\n    cipher-suites [ "A" ]\n}\n';
    expect(validateText(text).errors[0]).toMatchObject({ line: 2, column: 19 });
  });

  it('rejects v1 raw strings (r#"…"#)', () => {
    const result = validateText('system {\n    user r#"x"#\n}\n');
    expect(result.errors[0]).toMatchObject({ line: 2, rule: "kdl-syntax" });
    expect(result.errors[0]?.detail).toContain("raw string");
  });

  it("does not run later stages after a syntax error", () => {
    const result = validateText("unknown-block {\n}\nsystem {\n    daemon false\n}\n");
    expect(result.errors.map((error) => error.rule)).toEqual(["kdl-syntax"]);
  });
});

describe("error order and locations", () => {
  it("reports parse-stage errors in document order, then semantic errors in the proxy's rule order", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}${BASE_UPSTREAMS}routes {
    route "r1" {
        matches { path "/1" }
        upstream "backend"
        filters "no-such-filter"
    }
    route "r2" {
        matches { path "/2" }
        upstream "missing"
    }
    route "r3" {
        upstream "backend"
        retry-policy {
            jitter 1
        }
    }
    route "r4" {
        upstream "backend"
    }
}
tls {
}
agents {
    agent "slow" {
        grpc "http://127.0.0.1:1"
        timeout-ms 0
    }
}
waf {
}
`;
    const result = validateText(text);
    expect(messages(result)).toEqual([
      "Got unknown key jitter",
      "Unknown top-level configuration block: 'tls'\nValid blocks are: schema-version, system, listeners, routes, upstreams, filters, agents, waf, namespace, limits, observability, rate-limits, cache",
      "Route 'r2' references upstream 'missing' which doesn't exist.\nAvailable upstreams: 'backend'\nHint: Add an upstream block or fix the reference.",
      "Route 'r1' references filter 'no-such-filter' which doesn't exist.\nAvailable filters: (none defined)",
      "Route 'r4' has no match conditions.\nAdd at least one match condition or set priority to \"low\" for catch-all routes.",
      "Agent 'slow' has timeout_ms 0. Timeouts must be greater than 0.",
      "WAF mode is set to 'prevention' but the WAF engine is not yet wired into the proxy runtime. Requests are NOT being inspected. Set waf mode to 'off' or remove the waf block until WAF support is implemented.",
    ]);
    const at = (needle: string) => {
      const line = lineOf(text, needle);
      return { line, column: columnOf(text, line, needle.trimStart()) };
    };
    expect(result.errors.map(({ line, column }) => ({ line, column }))).toEqual([
      at("jitter 1"),
      at("tls {"),
      at('route "r2"'),
      at('route "r1"'),
      at('route "r4"'),
      at('agent "slow"'),
      at("waf {"),
    ]);
  });

  it("reports the broken route but not references to it", () => {
    const text = `${BASE_SYSTEM}listeners {
    listener "http" {
        address "0.0.0.0:8080"
        default-route "broken"
    }
}
routes {
    route "broken" {
        matches { path "/" }
        upstream "b"
        retry-policy {
            max-attempts 0
        }
    }
}
upstreams {
    upstream "b" {
        target "127.0.0.1:1"
        circuit-breaker {
            failure-threshold "x"
        }
    }
}
`;
    expect(messages(validateText(text))).toEqual([
      "Implausible value for max-attempts",
      "Tried to convert value in failure-threshold to u32, but failed",
    ]);
  });

  it("locates errors at the innermost offending node", () => {
    const result = validateText(
      baseConfig('observability {\n    tracing {\n        backend "otlp" {\n        }\n    }\n}\n'),
    );
    expect(result.errors[0]).toMatchObject({
      message: "backend requires 'endpoint' configuration",
      line: lineOf(
        baseConfig('observability {\n    tracing {\n        backend "otlp" {\n'),
        'backend "otlp"',
      ),
      column: 9,
    });
  });
});

describe("parser crashes", () => {
  it("turns a parser crash on invalid text into a syntax error", () => {
    const result = validateText("#");
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ rule: "kdl-syntax", line: 1, column: 1 });
  });
});
