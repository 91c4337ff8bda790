/**
 * Deterministic synthetic configs for tests and benchmarks.
 */

const ROUTES_PER_UPSTREAM = 10;

function pad(value: number): string {
  return String(value).padStart(5, "0");
}

function upstreamBlock(index: number): string {
  const port = 10_000 + index;
  return `    upstream "upstream-${pad(index)}" {
        target "10.0.${Math.floor(index / 250)}.${(index % 250) + 1}:${port}" weight=2
        target "10.1.${Math.floor(index / 250)}.${(index % 250) + 1}:${port}" weight=1
        load-balancing "least_connections"
        health-check {
            type "http" {
                path "/healthz"
            }
            interval-secs 10
        }
        circuit-breaker {
            failure-threshold 5
            timeout-seconds 30
        }
    }
`;
}

function routeBlock(index: number, upstreamCount: number): string {
  const filters = index % 3 === 0 ? `        filters "auth" "per-client-limit"\n` : "";
  return `    route "route-${pad(index)}" {
        priority ${100 + (index % 50)}
        matches {
            host "svc-${index % 20}.example.com"
            path-prefix "/api/v1/resource-${pad(index)}"
            method "GET"
        }
        upstream "upstream-${pad(index % upstreamCount)}"
${filters}        retry-policy {
            max-attempts 3
        }
        policies {
            response-headers {
                set {
                    X-Route "route-${pad(index)}"
                }
            }
        }
    }
`;
}

/**
 * A valid config with `routeCount` routes, one upstream per ten routes (each referenced), two
 * listeners (HTTP and TLS), an auth agent behind an agent filter and a rate-limit filter.
 * The same input always yields the same text.
 */
export function generateLargeConfig(routeCount: number): string {
  const upstreamCount = Math.max(1, Math.ceil(routeCount / ROUTES_PER_UPSTREAM));
  const upstreams: string[] = [];
  for (let index = 0; index < upstreamCount; index += 1) {
    upstreams.push(upstreamBlock(index));
  }
  const routes: string[] = [];
  for (let index = 0; index < routeCount; index += 1) {
    routes.push(routeBlock(index, upstreamCount));
  }
  return `schema-version "1.0"

system {
    worker-threads 0
    max-connections 50000
}

listeners {
    listener "http" {
        address "0.0.0.0:8080"
        protocol "http"
    }
    listener "https" {
        address "0.0.0.0:8443"
        protocol "https"
        tls {
            cert-file "/etc/zentinel/certs/server.crt"
            key-file "/etc/zentinel/certs/server.key"
        }
    }
}

agents {
    agent "auth-agent" type="auth" {
        grpc "http://127.0.0.1:50051"
        timeout-ms 100
        failure-mode "closed"
        events "request_headers"
    }
}

filters {
    filter "auth" {
        type "agent"
        agent "auth-agent"
    }
    filter "per-client-limit" {
        type "rate-limit"
        max-rps 200
        burst 50
        key "client-ip"
    }
}

upstreams {
${upstreams.join("")}}

routes {
${routes.join("")}}

limits {
    max-body-size 10485760
}
`;
}
