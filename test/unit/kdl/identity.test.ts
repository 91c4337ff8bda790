import { describe, expect, it } from "vitest";
import {
  BASE_LISTENERS,
  BASE_ROUTES,
  BASE_SYSTEM,
  BASE_UPSTREAMS,
  baseConfig,
  lineOf,
  messages,
  validateFiles,
  validateText,
} from "./helpers.js";

describe("duplicate ids", () => {
  it("rejects a duplicate listener id inside one block, at the second listener", () => {
    const text = `${BASE_SYSTEM}listeners {
    listener "http" {
        address "0.0.0.0:8080"
    }
    listener "http" {
        address "0.0.0.0:8081"
    }
}
${BASE_UPSTREAMS}${BASE_ROUTES}`;
    const result = validateText(text);
    expect(messages(result)).toEqual([
      "Duplicate listener ID 'http' found. Each listener ID must be unique across all config files.",
    ]);
    expect(result.errors[0]?.line).toBe(lineOf(text, 'listener "http"', 2));
  });

  it("rejects duplicate route ids across included files", () => {
    const result = validateFiles({
      "zentinel.kdl": `${baseConfig()}include "routes/*.kdl"\n`,
      "routes/more.kdl": `routes {\n    route "api" {\n        matches { path "/x" }\n        upstream "backend"\n    }\n}\n`,
    });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({
      file: "routes/more.kdl",
      line: 2,
      column: 5,
      message:
        "Duplicate route ID 'api' found. Each route ID must be unique across all config files.",
      rule: "duplicate-id",
    });
  });

  it("rejects an upstream id repeated in a second upstreams block", () => {
    const result = validateText(
      baseConfig(
        `upstreams {\n    upstream "backend" {\n        target "127.0.0.1:4000"\n    }\n}\n`,
      ),
    );
    expect(messages(result)).toEqual([
      "Duplicate upstream ID 'backend' found. Each upstream ID must be unique across all config files.",
    ]);
  });

  it("keeps the last upstream silently when the id repeats inside one block (HashMap quirk)", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}upstreams {
    upstream "backend" {
        target "127.0.0.1:3000"
    }
    upstream "backend" {
        target "127.0.0.1:4000"
    }
}
${BASE_ROUTES}`;
    const result = validateText(text);
    expect(result.errors).toEqual([]);
    expect(result.model?.upstreams.map((upstream) => upstream.targets[0]?.address)).toEqual([
      "127.0.0.1:4000",
    ]);
  });

  it("rejects duplicate filter and agent ids across blocks", () => {
    const filter = `filters {\n    filter "cors" {\n        type "cors"\n    }\n}\n`;
    const agent = `agents {\n    agent "a1" {\n        grpc "http://127.0.0.1:5000"\n    }\n}\n`;
    const result = validateText(baseConfig(filter + filter + agent + agent));
    expect(messages(result)).toEqual([
      "Duplicate filter ID 'cors' found. Each filter ID must be unique across all config files.",
      "Duplicate agent ID 'a1' found. Each agent ID must be unique across all config files.",
    ]);
  });

  it("rejects two listeners bound to the same address", () => {
    const text = `${BASE_SYSTEM}listeners {
    listener "a" {
        address "0.0.0.0:8080"
    }
    listener "b" {
        address "0.0.0.0:8080"
    }
}
${BASE_UPSTREAMS}${BASE_ROUTES}`;
    expect(messages(validateText(text))).toEqual([
      "Duplicate listener address '0.0.0.0:8080'. Multiple listeners cannot bind to the same address.",
    ]);
  });

  it("rejects duplicate namespace ids and ':' in namespace ids", () => {
    const result = validateText(
      baseConfig(`namespace "a" { }\nnamespace "a" { }\nnamespace "b:c" { }\n`),
    );
    expect(messages(result)).toEqual([
      "Duplicate namespace ID 'a'. Each namespace must have a unique identifier.",
      "Namespace ID 'b:c' contains reserved character ':'. The colon is reserved for qualified references.",
    ]);
  });
});

describe("cross references", () => {
  it("rejects a dangling route → upstream reference with the proxy's message", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}${BASE_UPSTREAMS}routes {
    route "api" {
        matches { path-prefix "/" }
        upstream "nope"
    }
}
`;
    const result = validateText(text);
    expect(messages(result)).toEqual([
      "Route 'api' references upstream 'nope' which doesn't exist.\nAvailable upstreams: 'backend'\nHint: Add an upstream block or fix the reference.",
    ]);
    expect(result.errors[0]?.rule).toBe("route-upstream-ref");
    expect(result.errors[0]?.line).toBe(lineOf(text, 'route "api"'));
  });

  it("prints (none defined) when there is nothing to reference", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}routes {
    route "api" {
        matches { path-prefix "/" }
        upstream "nope"
        filters "missing"
    }
}
`;
    expect(messages(validateText(text))).toEqual([
      "Route 'api' references upstream 'nope' which doesn't exist.\nAvailable upstreams: (none defined)\nHint: Add an upstream block or fix the reference.",
      "Route 'api' references filter 'missing' which doesn't exist.\nAvailable filters: (none defined)",
    ]);
  });

  it("does not check the upstream of static routes but rejects upstream + static-files", () => {
    const text = `${BASE_SYSTEM}${BASE_LISTENERS}routes {
    route "site" {
        matches { path-prefix "/" }
        upstream "nope"
        static-files {
            root "/var/www"
        }
    }
}
`;
    const result = validateText(text);
    expect(messages(result)).toEqual([
      "Route 'site' has both 'upstream' and 'static-files' configured.\nA route can only serve one type of content.",
    ]);
    expect(result.warnings.map((warning) => warning.rule)).toContain("node-local-static-root");
  });

  it("rejects a filter that references a missing agent", () => {
    const result = validateText(
      baseConfig(
        `filters {\n    filter "auth" {\n        type "agent"\n        agent "ghost"\n    }\n}\n`,
      ),
    );
    expect(messages(result)).toEqual([
      "Filter 'auth' references agent 'ghost' which doesn't exist.\nAvailable agents: (none defined)",
    ]);
  });

  it("rejects listener default-route and namespace references that do not exist", () => {
    const text = `${BASE_SYSTEM}listeners {
    listener "http" {
        address "0.0.0.0:8080"
        default-route "missing"
        namespace "ghost"
    }
}
${BASE_UPSTREAMS}${BASE_ROUTES}`;
    expect(messages(validateText(text))).toEqual([
      "Listener 'http' references default-route 'missing' which doesn't exist.\nAvailable routes: 'api'",
      "Listener 'http' references namespace 'ghost' which doesn't exist.\nDefine a `namespace \"ghost\" { routes { ... } }` block, or remove the reference to serve the global routes.\nAvailable namespaces: (none)",
    ]);
  });

  it("resolves namespace references through scope chain, exports and qualified ids", () => {
    const namespaces = `namespace "platform" {
    upstreams {
        upstream "users" {
            target "10.0.0.1:80"
        }
    }
    filters {
        filter "auth" {
            type "cors"
        }
    }
    exports {
        upstreams "users"
        filters "auth"
    }
}
namespace "shop" {
    routes {
        route "a" {
            matches { path "/a" }
            upstream "users"
            filters "platform:auth" "auth"
        }
        route "b" {
            matches { path "/b" }
            upstream "backend"
        }
        route "c" {
            matches { path "/c" }
            upstream "platform:nope"
            filters "nope"
        }
    }
    service "svc" {
        routes {
            route "d" {
                matches { path "/d" }
                upstream "ghost"
            }
        }
    }
}
`;
    expect(messages(validateText(baseConfig(namespaces)))).toEqual([
      "Route 'c' in namespace 'shop' references upstream 'platform:nope' which cannot be resolved.\nAvailable upstreams: 'backend', 'users'",
      "Route 'c' in namespace 'shop' references filter 'nope' which cannot be resolved.\nAvailable filters: 'auth'",
      "Route 'd' in service 'shop:svc' references upstream 'ghost' which cannot be resolved.\nAvailable upstreams: 'backend', 'users'",
    ]);
  });

  it("rejects exports of names the namespace does not define", () => {
    const result = validateText(
      baseConfig(
        `namespace "ns" {\n    exports {\n        upstreams "x"\n        agents "y"\n        filters "z"\n    }\n}\n`,
      ),
    );
    expect(messages(result)).toEqual([
      "Namespace 'ns' exports upstream 'x' which doesn't exist in this namespace.",
      "Namespace 'ns' exports agent 'y' which doesn't exist in this namespace.",
      "Namespace 'ns' exports filter 'z' which doesn't exist in this namespace.",
    ]);
  });

  it("rejects duplicate service ids inside a namespace", () => {
    const result = validateText(
      baseConfig(`namespace "ns" {\n    service "s" { }\n    service "s" { }\n}\n`),
    );
    expect(messages(result)).toEqual([
      "Duplicate service ID 's' in namespace 'ns'. Each service must have a unique identifier.",
    ]);
  });
});
