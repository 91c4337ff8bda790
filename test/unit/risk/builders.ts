/**
 * Hand-built ConfigModels for the pure diff/risk tests: every field has a plain default, and each
 * builder takes overrides, so a test states only what it is about.
 */
import type {
  AgentModel,
  ConfigModel,
  FilterModel,
  ListenerModel,
  ListenerTlsModel,
  RouteModel,
  UpstreamModel,
} from "../../../src/kdl/model";

const global = { namespace: null, service: null };

export function listener(id: string, over: Partial<ListenerModel> = {}): ListenerModel {
  return {
    ...global,
    id,
    qualifiedId: id,
    address: "0.0.0.0:8080",
    protocol: "http",
    tls: false,
    tlsConfig: null,
    defaultRoute: null,
    servesNamespace: null,
    requestTimeoutSecs: 60,
    keepaliveTimeoutSecs: 75,
    ...over,
  };
}

export function tlsConfig(over: Partial<ListenerTlsModel> = {}): ListenerTlsModel {
  return {
    certFile: "/etc/zentinel/certs/a.pem",
    keyFile: "/etc/zentinel/certs/a.key",
    caFile: null,
    minVersion: "TLS1.2",
    maxVersion: null,
    clientAuth: false,
    acme: false,
    acmeDomains: [],
    acmeChallenge: null,
    sniCertificates: 0,
    cipherSuites: [],
    ...over,
  };
}

type RouteOverrides = Partial<Omit<RouteModel, "policies">> & {
  policies?: Partial<RouteModel["policies"]>;
};

export function route(id: string, over: RouteOverrides = {}): RouteModel {
  const { policies, ...rest } = over;
  return {
    ...global,
    id,
    qualifiedId: id,
    priority: 50,
    matches: {
      pathPrefixes: [`/${id}`],
      paths: [],
      pathRegexes: [],
      hosts: [],
      methods: [],
      headers: [],
      queryParams: [],
      count: 1,
    },
    upstream: "backend",
    serviceType: "web",
    builtinHandler: null,
    staticRoot: null,
    filters: [],
    agents: [],
    ...rest,
    policies: {
      auth: false,
      waf: false,
      rateLimit: false,
      cache: false,
      cors: false,
      retryMaxAttempts: null,
      shadowUpstream: null,
      apiSchema: false,
      inference: false,
      fallback: false,
      websocket: false,
      requestHeaders: [],
      responseHeaders: [],
      ...policies,
    },
  };
}

export function upstream(id: string, over: Partial<UpstreamModel> = {}): UpstreamModel {
  return {
    ...global,
    id,
    qualifiedId: id,
    targets: [{ address: "127.0.0.1:9000", weight: 1 }],
    loadBalancing: "round_robin",
    healthCheck: null,
    tls: false,
    circuitBreaker: false,
    ...over,
  };
}

export function agent(id: string, over: Partial<AgentModel> = {}): AgentModel {
  return {
    ...global,
    id,
    qualifiedId: id,
    type: "custom",
    customType: id,
    transport: "unix-socket",
    endpoint: `/run/${id}.sock`,
    timeoutMs: 100,
    failureMode: "closed",
    events: ["request_headers"],
    ...over,
  };
}

export function filter(id: string, over: Partial<FilterModel> = {}): FilterModel {
  return {
    ...global,
    id,
    qualifiedId: id,
    type: "headers",
    agent: null,
    maxRps: null,
    ...over,
  };
}

/** A small valid-looking config: one listener, one route "api" → upstream "backend". */
export function config(over: Partial<ConfigModel> = {}): ConfigModel {
  return {
    schemaVersion: "1.0",
    system: {
      workerThreads: 0,
      maxConnections: 10000,
      gracefulShutdownTimeoutSecs: 30,
      autoReload: false,
      routeCacheSize: 1000,
      traceIdFormat: "tinyflake",
    },
    listeners: [listener("http")],
    routes: [route("api")],
    upstreams: [upstream("backend")],
    filters: [],
    agents: [],
    namespaces: [],
    waf: null,
    limits: null,
    rateLimits: null,
    cache: null,
    observability: null,
    ...over,
  };
}

/** `count` routes named r000, r001, … */
export function manyRoutes(count: number, over: RouteOverrides = {}): RouteModel[] {
  return Array.from({ length: count }, (_, i) => route(`r${String(i).padStart(3, "0")}`, over));
}
