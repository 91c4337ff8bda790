/**
 * Semantic rules for global routes and listeners (`validation.rs::validate_routes`,
 * `validate_listeners`). Each pass walks all routes before the next pass starts, as in the proxy.
 */
import { formatAvailable, type RuleContext } from "./common.js";

const PRIORITY_LOW = 10;

/** Route → upstream, route → filter, match conditions, upstream + static-files. */
export function checkRoutes({ config, broken, sink }: RuleContext): void {
  const upstreamIds = [...config.upstreams.keys()];
  const filterIds = [...config.filters.keys()];
  for (const route of config.routes) {
    const upstream = route.upstream;
    if (route.serviceType === "static" || upstream === null) {
      continue;
    }
    if (!config.upstreams.has(upstream) && !broken.upstreams.has(upstream)) {
      sink.error(
        route.node,
        `Route '${route.id}' references upstream '${upstream}' which doesn't exist.\nAvailable upstreams: ${formatAvailable(upstreamIds)}\nHint: Add an upstream block or fix the reference.`,
        "route-upstream-ref",
      );
    }
  }
  for (const route of config.routes) {
    const shortCircuits = route.filters.some((id) => {
      const type = config.filters.get(id)?.type;
      return type === "redirect" || type === "url-rewrite";
    });
    if (
      route.serviceType !== "static" &&
      route.serviceType !== "builtin" &&
      route.upstream === null &&
      !shortCircuits
    ) {
      const warning = sink.warn(
        route.node,
        "Route has no upstream and no static-files configuration (will return 500)",
        "route-no-upstream",
      );
      warning.detail = `route_id=${route.id}`;
    }
  }
  for (const route of config.routes) {
    for (const filter of route.filters) {
      if (!config.filters.has(filter) && !broken.filters.has(filter)) {
        sink.error(
          route.node,
          `Route '${route.id}' references filter '${filter}' which doesn't exist.\nAvailable filters: ${formatAvailable(filterIds)}`,
          "route-filter-ref",
        );
      }
    }
  }
  for (const route of config.routes) {
    if (route.matches.length === 0 && route.priority !== PRIORITY_LOW) {
      sink.error(
        route.node,
        `Route '${route.id}' has no match conditions.\nAdd at least one match condition or set priority to "low" for catch-all routes.`,
        "route-no-match",
      );
    }
  }
  for (const route of config.routes) {
    // The root-exists / is-a-directory checks need the node's filesystem (see node-local.ts).
    if (route.staticRoot !== null && route.upstream !== null) {
      sink.error(
        route.node,
        `Route '${route.id}' has both 'upstream' and 'static-files' configured.\nA route can only serve one type of content.`,
        "route-upstream-and-static",
      );
    }
  }
}

/** Listener → default-route (global routes) and listener → namespace. */
export function checkListeners({ config, broken, sink }: RuleContext): void {
  const routeIds = new Set(config.routes.map((route) => route.id));
  const namespaceIds = config.namespaces.map((namespace) => namespace.id);
  for (const listener of config.listeners) {
    const route = listener.defaultRoute;
    if (route !== null && !routeIds.has(route) && !broken.routes.has(route)) {
      sink.error(
        listener.node,
        `Listener '${listener.id}' references default-route '${route}' which doesn't exist.\nAvailable routes: ${formatAvailable(routeIds)}`,
        "listener-default-route",
      );
    }
    const namespace = listener.namespace;
    if (
      namespace !== null &&
      !namespaceIds.includes(namespace) &&
      !broken.namespaces.has(namespace)
    ) {
      const available = namespaceIds.length === 0 ? "(none)" : namespaceIds.join(", ");
      sink.error(
        listener.node,
        `Listener '${listener.id}' references namespace '${namespace}' which doesn't exist.\nDefine a \`namespace "${namespace}" { routes { ... } }\` block, or remove the reference to serve the global routes.\nAvailable namespaces: ${available}`,
        "listener-namespace",
      );
    }
  }
}
