/** Direct operator-API calls the browser tests use for setup and checks (admin API key). */
import type { E2eContext } from "./context";

/** Calls the operator API with the seeded admin key; throws on non-2xx with the body. */
export async function apiCall<T>(
  ctx: E2eContext,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${ctx.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ctx.apiKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path} → ${res.status} ${text}`);
  }
  return (text ? JSON.parse(text) : null) as T;
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A small valid Zentinel config; `marker` changes the content (and so the bundle id). */
export function sampleConfig(opts: {
  marker: string;
  upstreamPort: number;
  extraRoute?: boolean;
}): string {
  const extra = opts.extraRoute
    ? `
    route "api" {
        priority "high"
        matches {
            path-prefix "/api"
        }
        upstream "api"
    }`
    : "";
  const apiUpstream = opts.extraRoute
    ? `
    upstream "api" {
        target "10.0.0.7:9000"
    }`
    : "";
  return `// e2e ${opts.marker}
system {
    worker-threads 0
}

listeners {
    listener "http" {
        address "0.0.0.0:8080"
        protocol "http"
    }
}

routes {
    route "health" {
        priority "high"
        matches {
            path "/health"
        }
        builtin-handler "health"
    }${extra}
    route "default" {
        priority "low"
        matches {
            path-prefix "/"
        }
        upstream "backend"
    }
}

upstreams {
    upstream "backend" {
        target "127.0.0.1:${opts.upstreamPort}"
    }${apiUpstream}
}
`;
}
