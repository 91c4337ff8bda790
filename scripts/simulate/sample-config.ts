/**
 * The config the simulator compiles when no `--config` file is given: a small, valid Zentinel
 * config (HTTP listener, a builtin health route, one upstream, Prometheus metrics). The run id
 * goes into a comment so each run compiles a new bundle and exercises the whole pipeline.
 */

/** The sample config text for run `runId`. */
export function sampleConfig(runId: string): string {
  return `// Fleet simulator sample config (run ${runId})
system {
    worker-threads 0
    max-connections 10000
    graceful-shutdown-timeout-secs 30
}

listeners {
    listener "http" {
        address "0.0.0.0:8080"
        protocol "http"
        request-timeout-secs 60
    }
}

routes {
    route "health" {
        priority "high"
        matches {
            path "/health"
        }
        builtin-handler "health"
    }
    route "default" {
        priority "low"
        matches {
            path-prefix "/"
        }
        upstream "backend"
        policies {
            timeout-secs 30
            failure-mode "open"
        }
    }
}

upstreams {
    upstream "backend" {
        target "127.0.0.1:8081" weight=1
        load-balancing "round_robin"
    }
}

observability {
    metrics {
        enabled #true
        address "127.0.0.1:9090"
        path "/metrics"
    }
}
`;
}
