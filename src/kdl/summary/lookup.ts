/**
 * Resolves filter and agent references the way the proxy's scope rules do (service → namespace →
 * global → exported names; qualified `ns:name` / `ns:svc:name` exactly), for the model only.
 */
import type {
  AgentConfig,
  FilterConfig,
  NamespaceConfig,
  ParsedConfig,
  ScopedResources,
} from "../schema/types.js";

/** Where a reference is made from. */
export interface ScopeRef {
  namespace: string | null;
  service: string | null;
}

/** Qualified id: `id`, `ns:id` or `ns:svc:id`. */
export function qualify(scope: ScopeRef, id: string): string {
  if (scope.namespace === null) {
    return id;
  }
  return scope.service === null
    ? `${scope.namespace}:${id}`
    : `${scope.namespace}:${scope.service}:${id}`;
}

/** Index of filters and agents by qualified id, plus exported local names. */
export class ReferenceIndex {
  private readonly filters = new Map<string, FilterConfig>();
  private readonly agents = new Map<string, AgentConfig>();
  private readonly exportedFilters = new Map<string, FilterConfig>();
  private readonly exportedAgents = new Map<string, AgentConfig>();

  constructor(config: ParsedConfig) {
    this.add({ namespace: null, service: null }, config);
    for (const namespace of config.namespaces) {
      this.add({ namespace: namespace.id, service: null }, namespace);
      this.addExports(namespace);
      for (const service of namespace.services) {
        this.add({ namespace: namespace.id, service: service.id }, service);
      }
    }
  }

  private add(scope: ScopeRef, resources: ScopedResources): void {
    for (const filter of resources.filters.values()) {
      this.filters.set(qualify(scope, filter.id), filter);
    }
    for (const agent of resources.agents) {
      if (!this.agents.has(qualify(scope, agent.id))) {
        this.agents.set(qualify(scope, agent.id), agent);
      }
    }
  }

  private addExports(namespace: NamespaceConfig): void {
    for (const name of namespace.exports.filters) {
      const filter = namespace.filters.get(name);
      if (filter && !this.exportedFilters.has(name)) {
        this.exportedFilters.set(name, filter);
      }
    }
    for (const name of namespace.exports.agents) {
      const agent = namespace.agents.find((candidate) => candidate.id === name);
      if (agent && !this.exportedAgents.has(name)) {
        this.exportedAgents.set(name, agent);
      }
    }
  }

  private resolve<T>(map: Map<string, T>, exported: Map<string, T>, scope: ScopeRef, ref: string) {
    if (ref.includes(":")) {
      return map.get(ref);
    }
    const chain: ScopeRef[] = [scope];
    if (scope.service !== null) {
      chain.push({ namespace: scope.namespace, service: null });
    }
    if (scope.namespace !== null) {
      chain.push({ namespace: null, service: null });
    }
    for (const candidate of chain) {
      const found = map.get(qualify(candidate, ref));
      if (found) {
        return found;
      }
    }
    return exported.get(ref);
  }

  /** The filter a route in `scope` gets for reference `ref`, if any. */
  filter(scope: ScopeRef, ref: string): FilterConfig | undefined {
    return this.resolve(this.filters, this.exportedFilters, scope, ref);
  }

  /** The agent a filter in `scope` gets for reference `ref`, if any. */
  agent(scope: ScopeRef, ref: string): AgentConfig | undefined {
    return this.resolve(this.agents, this.exportedAgents, scope, ref);
  }
}
