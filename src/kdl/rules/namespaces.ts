/**
 * Namespace and service rules (`validation.rs::ValidationContext`, `validate_namespaces`).
 *
 * Resolution: an unqualified reference searches the scope chain (service → namespace → global),
 * then the names exported by any namespace. A reference containing `:` must equal a canonical id
 * (`name`, `ns:name` or `ns:svc:name`) of ANY resource kind — the proxy keeps one id set for all
 * kinds, so an upstream reference can resolve to a filter's qualified id.
 */
import type { NamespaceConfig, ParsedConfig, ScopedResources } from "../schema/types.js";
import type { RuleContext } from "./common.js";

type Kind = "upstreams" | "filters" | "agents";

interface Resolver {
  allIds: Set<string>;
  byScope: Record<Kind, Map<string, Set<string>>>;
  exported: Record<Kind, Set<string>>;
}

const GLOBAL_SCOPE = "global";

function namespaceScope(namespace: string): string {
  return `ns\u0000${namespace}`;
}

function serviceScope(namespace: string, service: string): string {
  return `svc\u0000${namespace}\u0000${service}`;
}

function idsOf(resources: ScopedResources, kind: Kind): string[] {
  if (kind === "agents") {
    return resources.agents.map((agent) => agent.id);
  }
  return [...resources[kind].keys()];
}

function register(resolver: Resolver, scope: string, resources: ScopedResources, prefix: string) {
  for (const kind of ["upstreams", "agents", "filters"] as const) {
    const set = resolver.byScope[kind].get(scope) ?? new Set<string>();
    resolver.byScope[kind].set(scope, set);
    for (const id of idsOf(resources, kind)) {
      set.add(id);
      resolver.allIds.add(`${prefix}${id}`);
    }
  }
  for (const route of resources.routes) {
    resolver.allIds.add(`${prefix}${route.id}`);
  }
}

function buildResolver(config: ParsedConfig): Resolver {
  const resolver: Resolver = {
    allIds: new Set(),
    byScope: { upstreams: new Map(), filters: new Map(), agents: new Map() },
    exported: { upstreams: new Set(), filters: new Set(), agents: new Set() },
  };
  register(resolver, GLOBAL_SCOPE, config, "");
  for (const namespace of config.namespaces) {
    register(resolver, namespaceScope(namespace.id), namespace, `${namespace.id}:`);
    for (const kind of ["upstreams", "agents", "filters"] as const) {
      const local = new Set(idsOf(namespace, kind));
      for (const name of namespace.exports[kind]) {
        if (local.has(name)) {
          resolver.exported[kind].add(name);
        }
      }
    }
    for (const service of namespace.services) {
      register(
        resolver,
        serviceScope(namespace.id, service.id),
        service,
        `${namespace.id}:${service.id}:`,
      );
    }
  }
  return resolver;
}

function resolves(resolver: Resolver, kind: Kind, reference: string, chain: string[]): boolean {
  if (reference.includes(":")) {
    return resolver.allIds.has(reference);
  }
  return (
    chain.some((scope) => resolver.byScope[kind].get(scope)?.has(reference) ?? false) ||
    resolver.exported[kind].has(reference)
  );
}

/** `format_available_owned`: sorted, or `(none defined)`. */
function available(resolver: Resolver, kind: Kind, chain: string[]): string {
  const names = new Set(resolver.exported[kind]);
  for (const scope of chain) {
    for (const name of resolver.byScope[kind].get(scope) ?? []) {
      names.add(name);
    }
  }
  const sorted = [...names].sort();
  return sorted.length === 0 ? "(none defined)" : sorted.map((name) => `'${name}'`).join(", ");
}

function checkScopedRoutes(
  ctx: RuleContext,
  resolver: Resolver,
  resources: ScopedResources,
  chain: string[],
  where: string,
): void {
  for (const route of resources.routes) {
    const upstream = route.upstream;
    if (
      upstream !== null &&
      !resolves(resolver, "upstreams", upstream, chain) &&
      !ctx.broken.upstreams.has(upstream)
    ) {
      ctx.sink.error(
        route.node,
        `Route '${route.id}' in ${where} references upstream '${upstream}' which cannot be resolved.\nAvailable upstreams: ${available(resolver, "upstreams", chain)}`,
        "namespace-upstream-ref",
      );
    }
    for (const filter of route.filters) {
      if (!resolves(resolver, "filters", filter, chain) && !ctx.broken.filters.has(filter)) {
        ctx.sink.error(
          route.node,
          `Route '${route.id}' in ${where} references filter '${filter}' which cannot be resolved.\nAvailable filters: ${available(resolver, "filters", chain)}`,
          "namespace-filter-ref",
        );
      }
    }
  }
}

function checkExports(ctx: RuleContext, namespace: NamespaceConfig): void {
  const singular: Record<Kind, string> = {
    upstreams: "upstream",
    agents: "agent",
    filters: "filter",
  };
  for (const kind of ["upstreams", "agents", "filters"] as const) {
    const local = new Set(idsOf(namespace, kind));
    for (const name of namespace.exports[kind]) {
      if (!local.has(name)) {
        ctx.sink.error(
          namespace.node,
          `Namespace '${namespace.id}' exports ${singular[kind]} '${name}' which doesn't exist in this namespace.`,
          "namespace-export",
        );
      }
    }
  }
}

function checkServices(ctx: RuleContext, resolver: Resolver, namespace: NamespaceConfig): void {
  const seen = new Set<string>();
  for (const service of namespace.services) {
    if (seen.has(service.id)) {
      ctx.sink.error(
        service.node,
        `Duplicate service ID '${service.id}' in namespace '${namespace.id}'. Each service must have a unique identifier.`,
        "service-duplicate",
      );
    }
    seen.add(service.id);
    if (service.id.includes(":")) {
      ctx.sink.error(
        service.node,
        `Service ID '${service.id}' in namespace '${namespace.id}' contains reserved character ':'.`,
        "service-id",
      );
    }
    const chain = [
      serviceScope(namespace.id, service.id),
      namespaceScope(namespace.id),
      GLOBAL_SCOPE,
    ];
    checkScopedRoutes(ctx, resolver, service, chain, `service '${namespace.id}:${service.id}'`);
  }
}

/** Every namespace rule, in the proxy's order. */
export function checkNamespaces(ctx: RuleContext): void {
  const resolver = buildResolver(ctx.config);
  const seen = new Set<string>();
  for (const namespace of ctx.config.namespaces) {
    if (seen.has(namespace.id)) {
      ctx.sink.error(
        namespace.node,
        `Duplicate namespace ID '${namespace.id}'. Each namespace must have a unique identifier.`,
        "namespace-duplicate",
      );
    }
    seen.add(namespace.id);
    if (namespace.id.includes(":")) {
      ctx.sink.error(
        namespace.node,
        `Namespace ID '${namespace.id}' contains reserved character ':'. The colon is reserved for qualified references.`,
        "namespace-id",
      );
    }
    const chain = [namespaceScope(namespace.id), GLOBAL_SCOPE];
    checkScopedRoutes(ctx, resolver, namespace, chain, `namespace '${namespace.id}'`);
    checkExports(ctx, namespace);
    checkServices(ctx, resolver, namespace);
  }
}
