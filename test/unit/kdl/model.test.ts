import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ConfigModel, describeComponents } from "../../../src/kdl/index.js";
import { BASE_SYSTEM, validateFiles, validateText } from "./helpers.js";

const FIXTURES = join(import.meta.dirname, "../../fixtures/zentinel-examples");

function modelOf(text: string): ConfigModel {
  const result = validateText(text);
  expect(result.errors).toEqual([]);
  if (!result.model) {
    throw new Error("expected a model");
  }
  return result.model;
}

const LISTENERS = `listeners {
    listener "web" {
        address "0.0.0.0:80"
    }
    listener "admin" {
        address "127.0.0.1:9000"
        protocol "https"
        tls {
            cert-file "/c.pem"
            key-file "/k.pem"
        }
    }
}
`;
const UPSTREAMS = `upstreams {
    upstream "zeta" {
        target "10.0.0.2:80"
        load-balancing "IP_HASH"
        health-check {
            type "http" {
                path "/ready"
            }
            interval-secs 5
        }
    }
    upstream "alpha" {
        target "10.0.0.1:80"
        tls {
            sni "alpha.internal"
        }
    }
}
`;
const REST = `agents {
    agent "authz" type="auth" {
        grpc "http://127.0.0.1:50051"
        failure-mode "closed"
    }
}
filters {
    filter "auth" {
        type "agent"
        agent "authz"
    }
    filter "limit" {
        type "rate-limit"
        max-rps 5
    }
}
routes {
    route "b-route" {
        matches {
            host "api.example.com"
            path-prefix "/v1"
            header "x-version" "2"
            method "GET" "POST"
        }
        upstream "zeta"
        filters "auth" "limit"
        policies {
            request-headers {
                set {
                    X-Trace "1"
                }
                remove "Cookie"
            }
        }
    }
    route "a-route" {
        priority "low"
        upstream "alpha"
        retry-policy {
            max-attempts 2
        }
        cache {
            enabled #true
        }
    }
}
`;

describe("ConfigModel", () => {
  const text = BASE_SYSTEM + LISTENERS + UPSTREAMS + REST;

  it("summarises listeners, routes, upstreams, agents and filters sorted by id", () => {
    const model = modelOf(text);
    expect(
      model.listeners.map((listener) => [listener.id, listener.protocol, listener.tls]),
    ).toEqual([
      ["admin", "https", true],
      ["web", "http", false],
    ]);
    expect(model.upstreams.map((upstream) => upstream.id)).toEqual(["alpha", "zeta"]);
    expect(model.upstreams[1]).toMatchObject({
      loadBalancing: "ip_hash",
      healthCheck: { type: "http", path: "/ready", intervalSecs: 5, timeoutSecs: 5 },
      tls: false,
    });
    expect(model.upstreams[0]?.tls).toBe(true);
    expect(model.routes.map((route) => route.id)).toEqual(["a-route", "b-route"]);
    const route = model.routes[1];
    expect(route?.matches).toEqual({
      pathPrefixes: ["/v1"],
      paths: [],
      pathRegexes: [],
      hosts: ["api.example.com"],
      methods: ["GET"],
      headers: [{ name: "x-version", value: "2" }],
      queryParams: [],
      count: 4,
    });
    expect(route).toMatchObject({
      upstream: "zeta",
      filters: ["auth", "limit"],
      agents: ["authz"],
      serviceType: "web",
      policies: {
        auth: true,
        rateLimit: true,
        waf: false,
        cache: false,
        requestHeaders: ["Cookie", "X-Trace"],
      },
    });
    expect(model.routes[0]?.policies).toMatchObject({
      retryMaxAttempts: 2,
      cache: true,
      auth: false,
    });
    expect(model.agents[0]).toMatchObject({
      type: "auth",
      transport: "grpc",
      failureMode: "closed",
      timeoutMs: 1000,
    });
    expect(model.filters.map((filter) => [filter.id, filter.type, filter.maxRps])).toEqual([
      ["auth", "agent", null],
      ["limit", "rate-limit", 5],
    ]);
    expect(model.waf).toBeNull();
    expect(model.limits).toBeNull();
  });

  it("is JSON-serialisable and does not depend on block or file order", () => {
    const model = modelOf(text);
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
    const split = validateFiles({
      "zentinel.kdl": `${REST}include "parts/*.kdl"\n${BASE_SYSTEM}`,
      "parts/a.kdl": UPSTREAMS,
      "parts/b.kdl": LISTENERS,
    });
    expect(JSON.stringify(split.model)).toBe(JSON.stringify(model));
  });

  it("flattens namespace and service items with qualified ids", () => {
    const model = modelOf(readFileSync(join(FIXTURES, "config/examples/namespaces.kdl"), "utf8"));
    expect(model.namespaces.map((namespace) => namespace.id)).toEqual([
      "analytics",
      "platform",
      "storefront",
    ]);
    expect(model.namespaces[1]?.services).toEqual([
      { id: "user-management", hasListener: false, routes: 2, upstreams: 0 },
    ]);
    const checkout = model.routes.find((route) => route.qualifiedId === "storefront:checkout");
    expect(checkout).toMatchObject({
      namespace: "storefront",
      service: null,
      agents: ["auth-agent", "waf-agent"],
    });
    expect(checkout?.policies).toMatchObject({ auth: true, waf: true });
    expect(model.routes.find((route) => route.id === "user-crud")?.qualifiedId).toBe(
      "platform:user-management:user-crud",
    );
    expect(
      model.routes.filter((route) => route.namespace === null).map((route) => route.id),
    ).toEqual(["fallback", "health", "metrics"]);
  });

  it("is null when the config is invalid", () => {
    expect(validateText(`${BASE_SYSTEM}${LISTENERS}`).model).not.toBeNull();
    expect(validateText(LISTENERS).model).toBeNull();
  });
});

describe("describeComponents", () => {
  it("lists every component with string properties, in a fixed order", () => {
    const model = modelOf(
      `${BASE_SYSTEM}${LISTENERS}${UPSTREAMS}${REST}waf {\n    mode "off"\n}\n`,
    );
    const components = describeComponents(model);
    expect(components.map((component) => `${component.type}:${component.name}`)).toEqual([
      "listener:admin",
      "listener:web",
      "route:a-route",
      "route:b-route",
      "upstream:alpha",
      "upstream:zeta",
      "agent:authz",
      "filter:auth",
      "filter:limit",
      "plugin:waf:coraza",
    ]);
    expect(components[0]?.properties).toEqual({
      address: "127.0.0.1:9000",
      protocol: "https",
      tls: "true",
      acme: "false",
    });
    expect(components.find((component) => component.name === "b-route")?.properties).toMatchObject({
      upstream: "zeta",
      filters: "auth,limit",
      agents: "authz",
      auth: "true",
    });
    for (const component of components) {
      for (const value of Object.values(component.properties)) {
        expect(typeof value).toBe("string");
      }
    }
  });

  it("describes namespaces", () => {
    const model = modelOf(readFileSync(join(FIXTURES, "config/examples/namespaces.kdl"), "utf8"));
    const namespaces = describeComponents(model).filter(
      (component) => component.type === "namespace",
    );
    expect(namespaces.map((component) => component.name)).toEqual([
      "analytics",
      "platform",
      "storefront",
    ]);
    expect(namespaces[1]?.properties).toMatchObject({
      services: "user-management",
      "exports-filters": "platform-auth",
    });
  });
});
