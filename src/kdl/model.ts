/**
 * Typed, JSON-serialisable summary of a validated Zentinel config.
 *
 * Consumers: the CycloneDX SBOM (`describeComponents`), bundle risk scoring and structural diffs.
 * Invariants:
 * - Every list is sorted by `qualifiedId` (then by declaration order for equal ids), so the same
 *   config always yields the same JSON, whatever the order of blocks or included files.
 * - No `undefined` anywhere: absent values are `null`, so `JSON.stringify` round-trips exactly.
 * - Values are the proxy's *effective* values (defaults applied, enum aliases canonicalised,
 *   wrongly typed values ignored exactly as the proxy ignores them).
 */

/** Where an item was declared: top level, inside `namespace "<ns>"`, or inside a service. */
export interface Scope {
  /** Namespace id, or null for global items. */
  namespace: string | null;
  /** Service id inside the namespace, or null. */
  service: string | null;
}

/** Listener protocol after case-insensitive parsing. */
export type ListenerProtocol = "http" | "https" | "h2" | "h3";

/** Listener TLS block summary (certificate material is referenced by path, never embedded). */
export interface ListenerTlsModel {
  certFile: string | null;
  keyFile: string | null;
  caFile: string | null;
  /** `TLS1.2` or `TLS1.3` (unknown strings map to TLS1.2, as in the proxy). */
  minVersion: "TLS1.2" | "TLS1.3";
  maxVersion: "TLS1.2" | "TLS1.3" | null;
  clientAuth: boolean;
  /** Root ACME block present. */
  acme: boolean;
  /** Domains of the root ACME block (empty without ACME). */
  acmeDomains: string[];
  /** ACME challenge type of the root block, or null without ACME. */
  acmeChallenge: "http-01" | "dns-01" | null;
  /** Number of `sni { }` certificates. */
  sniCertificates: number;
  cipherSuites: string[];
}

/** One listener (`listeners { listener "<id>" { … } }` or a namespace/service listener). */
export interface ListenerModel extends Scope {
  id: string;
  /** `id`, `ns:id` or `ns:svc:id`. */
  qualifiedId: string;
  address: string;
  protocol: ListenerProtocol;
  /** A `tls { }` block is configured. */
  tls: boolean;
  tlsConfig: ListenerTlsModel | null;
  defaultRoute: string | null;
  /** Namespace served by this listener (`namespace "x"` child), or null for global routes. */
  servesNamespace: string | null;
  requestTimeoutSecs: number;
  keepaliveTimeoutSecs: number;
}

/** Header or query-parameter match: `value` null means "present". */
export interface NameValueMatch {
  name: string;
  value: string | null;
}

/** Route match conditions as parsed from `matches { … }`. */
export interface RouteMatchesModel {
  pathPrefixes: string[];
  paths: string[];
  pathRegexes: string[];
  hosts: string[];
  methods: string[];
  headers: NameValueMatch[];
  queryParams: NameValueMatch[];
  /** Total number of conditions (0 = catch-all). */
  count: number;
}

/** How the proxy classifies a route (derived, never read from `service-type`). */
export type RouteServiceType = "web" | "static" | "builtin" | "api" | "inference";

/** Security and traffic policies attached to a route, as presence flags and key values. */
export interface RoutePoliciesModel {
  /** An agent filter whose agent has `type="auth"`. */
  auth: boolean;
  /** `waf-enabled #true`, or an agent filter whose agent has `type="waf"`. */
  waf: boolean;
  /** A `rate-limit` filter, an agent filter to a `rate_limit` agent, or inference token limits. */
  rateLimit: boolean;
  /** Per-route `cache { enabled #true }`. */
  cache: boolean;
  /** A `cors` filter is attached. */
  cors: boolean;
  /** `retry-policy { max-attempts N }`, or null when absent. */
  retryMaxAttempts: number | null;
  /** Shadow (mirror) upstream id, or null. */
  shadowUpstream: string | null;
  /** `api-schema` block present. */
  apiSchema: boolean;
  /** `inference` block present. */
  inference: boolean;
  /** `fallback` block present. */
  fallback: boolean;
  websocket: boolean;
  /** Header names set/added/renamed/removed by `policies { request-headers { … } }`. */
  requestHeaders: string[];
  /** Header names set/added/renamed/removed by `policies { response-headers { … } }`. */
  responseHeaders: string[];
}

/** One route. */
export interface RouteModel extends Scope {
  id: string;
  qualifiedId: string;
  priority: number;
  matches: RouteMatchesModel;
  upstream: string | null;
  serviceType: RouteServiceType;
  /** Canonical builtin handler (`status`, `not-found`, …) or null. */
  builtinHandler: string | null;
  staticRoot: string | null;
  /** Filter ids in attachment order (as written, possibly qualified). */
  filters: string[];
  /** Agent ids reached through the route's agent filters, sorted and de-duplicated. */
  agents: string[];
  policies: RoutePoliciesModel;
}

/** One upstream target. */
export interface UpstreamTargetModel {
  address: string;
  weight: number;
}

/** Upstream health check summary. */
export interface HealthCheckModel {
  type: "http" | "grpc" | "inference" | "tcp";
  intervalSecs: number;
  timeoutSecs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** HTTP path for `http` checks, else null. */
  path: string | null;
}

/** One upstream. */
export interface UpstreamModel extends Scope {
  id: string;
  qualifiedId: string;
  targets: UpstreamTargetModel[];
  /** Canonical algorithm (`round_robin`, `least_connections`, …) after the proxy's aliasing. */
  loadBalancing: string;
  healthCheck: HealthCheckModel | null;
  /** An upstream `tls { }` block is configured (HTTPS to the backend). */
  tls: boolean;
  circuitBreaker: boolean;
}

/** Agent type from the `type="…"` property; anything else is `custom`. */
export type AgentType = "waf" | "auth" | "rate_limit" | "custom";

/** One external agent. */
export interface AgentModel extends Scope {
  id: string;
  qualifiedId: string;
  type: AgentType;
  /** For `custom`, the written type (or the id when no type was given); else null. */
  customType: string | null;
  transport: "unix-socket" | "grpc" | "http";
  /** Socket path or URL. */
  endpoint: string;
  timeoutMs: number;
  failureMode: "open" | "closed";
  /** Canonical event names (`request_headers`, …). */
  events: string[];
}

/** Filter types accepted by the proxy. */
export type FilterType =
  | "rate-limit"
  | "agent"
  | "headers"
  | "compress"
  | "cors"
  | "timeout"
  | "log"
  | "geo"
  | "redirect"
  | "url-rewrite";

/** One filter definition. */
export interface FilterModel extends Scope {
  id: string;
  qualifiedId: string;
  type: FilterType;
  /** Referenced agent id for `agent` filters, else null. */
  agent: string | null;
  /** For `rate-limit` filters: max requests per second, else null. */
  maxRps: number | null;
}

/** One `service "<id>"` inside a namespace. */
export interface ServiceModel {
  id: string;
  hasListener: boolean;
  routes: number;
  upstreams: number;
}

/** One `namespace "<id>"` block. Its items also appear in the flat lists with `namespace` set. */
export interface NamespaceModel {
  id: string;
  services: ServiceModel[];
  exports: { upstreams: string[]; agents: string[]; filters: string[] };
}

/** Global `waf { }` block summary. */
export interface WafModel {
  engine: string;
  mode: "off" | "detection" | "prevention";
  paranoiaLevel: number;
}

/** Global `limits { }` effective values. */
export interface LimitsModel {
  maxHeaderSize: number;
  maxHeaderCount: number;
  maxBodySize: number;
  maxConnectionsPerClient: number;
  maxTotalConnections: number;
  maxInFlightRequests: number;
}

/** Global `rate-limits { }` summary. */
export interface RateLimitsModel {
  defaultRps: number | null;
  defaultBurst: number | null;
  key: string;
  globalMaxRps: number | null;
}

/** Global `cache { }` storage summary. */
export interface GlobalCacheModel {
  enabled: boolean;
  backend: "memory" | "disk" | "hybrid";
  maxSizeBytes: number;
}

/** `observability { }` summary. */
export interface ObservabilityModel {
  metricsEnabled: boolean;
  metricsAddress: string;
  accessLog: boolean;
  auditLog: boolean;
  tracingBackend: "otlp" | "jaeger" | "zipkin" | null;
}

/** `system { }` effective values. */
export interface SystemModel {
  workerThreads: number;
  maxConnections: number;
  gracefulShutdownTimeoutSecs: number;
  autoReload: boolean;
  routeCacheSize: number;
  traceIdFormat: "tinyflake" | "uuid";
}

/** The whole config. Singleton blocks are null when absent. */
export interface ConfigModel {
  schemaVersion: string;
  system: SystemModel;
  listeners: ListenerModel[];
  routes: RouteModel[];
  upstreams: UpstreamModel[];
  filters: FilterModel[];
  agents: AgentModel[];
  namespaces: NamespaceModel[];
  waf: WafModel | null;
  limits: LimitsModel | null;
  rateLimits: RateLimitsModel | null;
  cache: GlobalCacheModel | null;
  observability: ObservabilityModel | null;
}

/** Component kinds emitted into the SBOM. */
export type ComponentType =
  | "listener"
  | "route"
  | "upstream"
  | "agent"
  | "filter"
  | "plugin"
  | "namespace";

/** One SBOM component: `properties` values are strings (CycloneDX name/value pairs). */
export interface ComponentDescription {
  type: ComponentType;
  name: string;
  properties: Record<string, string>;
}
