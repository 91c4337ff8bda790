/**
 * The parsed configuration, shaped like the proxy's Rust structs but limited to what validation
 * and the {@link ConfigModel} need. Every item keeps its KDL node so diagnostics can point at it.
 * Numbers are effective values after the proxy's defaults and `as` casts.
 */
import type { Node } from "@bgotink/kdl";
import type {
  AgentType,
  FilterType,
  HealthCheckModel,
  ListenerProtocol,
  RouteServiceType,
} from "../model.js";

/** `acme { … }` (root or SNI). */
export interface AcmeConfig {
  domains: string[];
  challenge: "http-01" | "dns-01";
}

/** `sni { … }` inside a listener's TLS block. */
export interface SniConfig {
  acme: AcmeConfig | null;
}

/** Listener `tls { … }`. */
export interface TlsConfig {
  certFile: string | null;
  keyFile: string | null;
  caFile: string | null;
  minVersion: "TLS1.2" | "TLS1.3";
  maxVersion: "TLS1.2" | "TLS1.3" | null;
  clientAuth: boolean;
  cipherSuites: string[];
  sni: SniConfig[];
  acme: AcmeConfig | null;
}

/** One listener. */
export interface ListenerConfig {
  node: Node;
  id: string;
  address: string;
  protocol: ListenerProtocol;
  tls: TlsConfig | null;
  defaultRoute: string | null;
  namespace: string | null;
  requestTimeoutSecs: number;
  keepaliveTimeoutSecs: number;
  maxConcurrentStreams: number;
}

/** One parsed match condition. */
export type MatchCondition =
  | { kind: "path-prefix" | "path" | "path-regex" | "host" | "method"; value: string }
  | { kind: "header" | "query-param"; name: string; value: string | null };

/** `rename`/`set`/`add`/`remove` header modifications. */
export interface HeaderModifications {
  rename: Map<string, string>;
  set: Map<string, string>;
  add: Map<string, string>;
  remove: string[];
}

/** One route. */
export interface RouteConfig {
  node: Node;
  id: string;
  priority: number;
  matches: MatchCondition[];
  upstream: string | null;
  staticRoot: string | null;
  apiSchema: boolean;
  inference: { rateLimit: boolean } | null;
  filters: string[];
  retryMaxAttempts: number | null;
  builtinHandler: string | null;
  cacheEnabled: boolean | null;
  shadowUpstream: string | null;
  requestHeaders: HeaderModifications;
  responseHeaders: HeaderModifications;
  wafEnabled: boolean;
  websocket: boolean;
  fallback: boolean;
  serviceType: RouteServiceType;
}

/** One upstream. */
export interface UpstreamConfig {
  node: Node;
  id: string;
  targets: Array<{ address: string; weight: number }>;
  loadBalancing: string;
  healthCheck: HealthCheckModel | null;
  tls: boolean;
  circuitBreaker: boolean;
}

/** One filter definition. */
export interface FilterConfig {
  node: Node;
  id: string;
  type: FilterType;
  agent: string | null;
  maxRps: number | null;
}

/** One agent. `*Zero` flags keep the exact `== 0` outcome after Rust's wrapping casts. */
export interface AgentConfig {
  node: Node;
  id: string;
  type: AgentType;
  customType: string | null;
  transport: { kind: "unix-socket" | "grpc" | "http"; endpoint: string };
  timeoutMs: number;
  timeoutZero: boolean;
  chunkTimeoutZero: boolean;
  maxRequestBodyZero: boolean;
  maxResponseBodyZero: boolean;
  failureMode: "open" | "closed";
  events: string[];
}

/** `waf { … }`. */
export interface WafConfig {
  node: Node;
  engine: string;
  mode: "off" | "detection" | "prevention";
  paranoiaLevel: number;
}

/** `limits { … }` effective values as unsigned 64-bit integers. */
export interface LimitsConfig {
  node: Node;
  maxHeaderSize: bigint;
  maxHeaderCount: bigint;
  maxBodySize: bigint;
  maxConnectionsPerClient: bigint;
  maxTotalConnections: bigint;
  maxInFlightRequests: bigint;
}

/** `observability { … }` summary. */
export interface ObservabilityConfig {
  node: Node;
  loggingLevel: string;
  loggingFormat: string;
  metricsEnabled: boolean;
  metricsAddress: string;
  accessLog: boolean;
  auditLog: boolean;
  tracingBackend: "otlp" | "jaeger" | "zipkin" | null;
}

/** `rate-limits { … }` summary. */
export interface RateLimitsConfig {
  node: Node;
  defaultRps: number | null;
  defaultBurst: number | null;
  key: string;
  globalMaxRps: number | null;
}

/** Global `cache { … }`. */
export interface CacheConfig {
  node: Node;
  enabled: boolean;
  backend: "memory" | "disk" | "hybrid";
  maxSizeBytes: number;
}

/** `system { … }` (never fails to parse). */
export interface SystemConfig {
  node: Node | null;
  workerThreads: number;
  maxConnections: number;
  gracefulShutdownTimeoutSecs: number;
  autoReload: boolean;
  routeCacheSize: bigint;
  traceIdFormat: "tinyflake" | "uuid";
}

/** Resources that can live at global, namespace or service scope. */
export interface ScopedResources {
  listeners: ListenerConfig[];
  upstreams: Map<string, UpstreamConfig>;
  routes: RouteConfig[];
  agents: AgentConfig[];
  filters: Map<string, FilterConfig>;
}

/** `service "<id>" { … }` inside a namespace. */
export interface ServiceConfig extends ScopedResources {
  node: Node;
  id: string;
}

/** `namespace "<id>" { … }`. */
export interface NamespaceConfig extends ScopedResources {
  node: Node;
  id: string;
  services: ServiceConfig[];
  exports: { upstreams: string[]; agents: string[]; filters: string[] };
}

/** Ids of items that failed to parse: they exist, so references to them are not reported. */
export interface BrokenIds {
  routes: Set<string>;
  upstreams: Set<string>;
  filters: Set<string>;
  agents: Set<string>;
  namespaces: Set<string>;
  listeners: number;
}

/** The whole parsed document. `upstreams`/`filters` keep first-insertion order. */
export interface ParsedConfig {
  schemaVersion: string | null;
  schemaNode: Node | null;
  system: SystemConfig;
  listeners: ListenerConfig[];
  routes: RouteConfig[];
  upstreams: Map<string, UpstreamConfig>;
  filters: Map<string, FilterConfig>;
  agents: AgentConfig[];
  waf: WafConfig | null;
  namespaces: NamespaceConfig[];
  limits: LimitsConfig | null;
  observability: ObservabilityConfig | null;
  rateLimits: RateLimitsConfig | null;
  cache: CacheConfig | null;
}
