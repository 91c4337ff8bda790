/**
 * Builds the JSON-serialisable {@link ConfigModel} from the parsed config. Lists are flattened
 * across global, namespace and service scopes and sorted by qualified id (stable).
 */
import type {
  AgentModel,
  ConfigModel,
  FilterModel,
  ListenerModel,
  NamespaceModel,
  RouteModel,
  UpstreamModel,
} from "../model.js";
import type {
  AgentConfig,
  FilterConfig,
  ListenerConfig,
  ParsedConfig,
  ScopedResources,
  UpstreamConfig,
} from "../schema/types.js";
import { qualify, ReferenceIndex, type ScopeRef } from "./lookup.js";
import { summarizeRoute } from "./routes.js";

function byQualifiedId<T extends { qualifiedId: string }>(items: T[]): T[] {
  return items.sort((a, b) =>
    a.qualifiedId < b.qualifiedId ? -1 : a.qualifiedId > b.qualifiedId ? 1 : 0,
  );
}

function listenerModel(listener: ListenerConfig, scope: ScopeRef): ListenerModel {
  const tls = listener.tls;
  return {
    ...scope,
    id: listener.id,
    qualifiedId: qualify(scope, listener.id),
    address: listener.address,
    protocol: listener.protocol,
    tls: tls !== null,
    tlsConfig: tls && {
      certFile: tls.certFile,
      keyFile: tls.keyFile,
      caFile: tls.caFile,
      minVersion: tls.minVersion,
      maxVersion: tls.maxVersion,
      clientAuth: tls.clientAuth,
      acme: tls.acme !== null,
      acmeDomains: tls.acme ? [...tls.acme.domains] : [],
      acmeChallenge: tls.acme ? tls.acme.challenge : null,
      sniCertificates: tls.sni.length,
      cipherSuites: [...tls.cipherSuites],
    },
    defaultRoute: listener.defaultRoute,
    servesNamespace: listener.namespace,
    requestTimeoutSecs: listener.requestTimeoutSecs,
    keepaliveTimeoutSecs: listener.keepaliveTimeoutSecs,
  };
}

function upstreamModel(upstream: UpstreamConfig, scope: ScopeRef): UpstreamModel {
  return {
    ...scope,
    id: upstream.id,
    qualifiedId: qualify(scope, upstream.id),
    targets: upstream.targets.map((target) => ({ ...target })),
    loadBalancing: upstream.loadBalancing,
    healthCheck: upstream.healthCheck && { ...upstream.healthCheck },
    tls: upstream.tls,
    circuitBreaker: upstream.circuitBreaker,
  };
}

function agentModel(agent: AgentConfig, scope: ScopeRef): AgentModel {
  return {
    ...scope,
    id: agent.id,
    qualifiedId: qualify(scope, agent.id),
    type: agent.type,
    customType: agent.customType,
    transport: agent.transport.kind,
    endpoint: agent.transport.endpoint,
    timeoutMs: agent.timeoutMs,
    failureMode: agent.failureMode,
    events: [...agent.events],
  };
}

function filterModel(filter: FilterConfig, scope: ScopeRef): FilterModel {
  return {
    ...scope,
    id: filter.id,
    qualifiedId: qualify(scope, filter.id),
    type: filter.type,
    agent: filter.agent,
    maxRps: filter.maxRps,
  };
}

interface Lists {
  listeners: ListenerModel[];
  routes: RouteModel[];
  upstreams: UpstreamModel[];
  agents: AgentModel[];
  filters: FilterModel[];
}

function addScope(
  lists: Lists,
  resources: ScopedResources,
  scope: ScopeRef,
  index: ReferenceIndex,
) {
  lists.listeners.push(...resources.listeners.map((item) => listenerModel(item, scope)));
  lists.routes.push(...resources.routes.map((item) => summarizeRoute(item, scope, index)));
  lists.upstreams.push(
    ...[...resources.upstreams.values()].map((item) => upstreamModel(item, scope)),
  );
  lists.agents.push(...resources.agents.map((item) => agentModel(item, scope)));
  lists.filters.push(...[...resources.filters.values()].map((item) => filterModel(item, scope)));
}

function namespaceModels(config: ParsedConfig): NamespaceModel[] {
  return config.namespaces
    .map((namespace) => ({
      id: namespace.id,
      services: namespace.services
        .map((service) => ({
          id: service.id,
          hasListener: service.listeners.length > 0,
          routes: service.routes.length,
          upstreams: service.upstreams.size,
        }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      exports: {
        upstreams: [...namespace.exports.upstreams],
        agents: [...namespace.exports.agents],
        filters: [...namespace.exports.filters],
      },
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Builds the model. Deterministic: lists are sorted by qualified id, so reordering blocks or moving
 * them between included files does not change it.
 */
export function buildModel(config: ParsedConfig): ConfigModel {
  const index = new ReferenceIndex(config);
  const lists: Lists = { listeners: [], routes: [], upstreams: [], agents: [], filters: [] };
  addScope(lists, config, { namespace: null, service: null }, index);
  for (const namespace of config.namespaces) {
    addScope(lists, namespace, { namespace: namespace.id, service: null }, index);
    for (const service of namespace.services) {
      addScope(lists, service, { namespace: namespace.id, service: service.id }, index);
    }
  }
  const { system, waf, limits, rateLimits, cache, observability } = config;
  return {
    schemaVersion: config.schemaVersion ?? "1.0",
    system: {
      workerThreads: system.workerThreads,
      maxConnections: system.maxConnections,
      gracefulShutdownTimeoutSecs: system.gracefulShutdownTimeoutSecs,
      autoReload: system.autoReload,
      routeCacheSize: Number(system.routeCacheSize),
      traceIdFormat: system.traceIdFormat,
    },
    listeners: byQualifiedId(lists.listeners),
    routes: byQualifiedId(lists.routes),
    upstreams: byQualifiedId(lists.upstreams),
    filters: byQualifiedId(lists.filters),
    agents: byQualifiedId(lists.agents),
    namespaces: namespaceModels(config),
    waf: waf && { engine: waf.engine, mode: waf.mode, paranoiaLevel: waf.paranoiaLevel },
    limits: limits && {
      maxHeaderSize: Number(limits.maxHeaderSize),
      maxHeaderCount: Number(limits.maxHeaderCount),
      maxBodySize: Number(limits.maxBodySize),
      maxConnectionsPerClient: Number(limits.maxConnectionsPerClient),
      maxTotalConnections: Number(limits.maxTotalConnections),
      maxInFlightRequests: Number(limits.maxInFlightRequests),
    },
    rateLimits: rateLimits && {
      defaultRps: rateLimits.defaultRps,
      defaultBurst: rateLimits.defaultBurst,
      key: rateLimits.key,
      globalMaxRps: rateLimits.globalMaxRps,
    },
    cache: cache && {
      enabled: cache.enabled,
      backend: cache.backend,
      maxSizeBytes: cache.maxSizeBytes,
    },
    observability: observability && {
      metricsEnabled: observability.metricsEnabled,
      metricsAddress: observability.metricsAddress,
      accessLog: observability.accessLog,
      auditLog: observability.auditLog,
      tracingBackend: observability.tracingBackend,
    },
  };
}
