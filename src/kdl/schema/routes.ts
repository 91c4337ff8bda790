/**
 * `routes { route "<id>" { … } }` (`kdl/routes.rs::parse_routes`). Sub-blocks are parsed in the
 * proxy's order so the first failing one is the one the proxy reports.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import type { RouteServiceType } from "../model.js";
import { child, childNodes, firstString, getBool, getString, stringEntries } from "../values.js";
import type { ParseContext } from "./context.js";
import { parseInference } from "./inference.js";
import {
  parseApiSchema,
  parseFallback,
  parseMatches,
  parsePolicies,
  parsePriority,
  parseRouteCache,
  parseShadow,
  parseStaticFiles,
} from "./route-blocks.js";
import { parseRetryPolicy } from "./strict.js";
import type { RouteConfig } from "./types.js";

const RECOGNIZED_ROUTE_CHILDREN = new Set([
  "matches",
  "priority",
  "upstream",
  "static-files",
  "api-schema",
  "inference",
  "filters",
  "retry-policy",
  "builtin-handler",
  "cache",
  "shadow",
  "waf-enabled",
  "websocket",
  "websocket-inspection",
  "fallback",
  "policies",
  "service-type",
]);

const BUILTIN_HANDLERS = new Map([
  ["status", "status"],
  ["health", "health"],
  ["metrics", "metrics"],
  ["not-found", "not-found"],
  ["not_found", "not-found"],
  ["config", "config"],
  ["upstreams", "upstreams"],
  ["cache-purge", "cache-purge"],
  ["cache_purge", "cache-purge"],
  ["cache-stats", "cache-stats"],
  ["cache_stats", "cache-stats"],
]);

function serviceType(route: {
  staticRoot: string | null;
  builtinHandler: string | null;
  apiSchema: boolean;
  inference: unknown;
}): RouteServiceType {
  if (route.staticRoot !== null) {
    return "static";
  }
  if (route.builtinHandler !== null) {
    return "builtin";
  }
  if (route.apiSchema) {
    return "api";
  }
  return route.inference ? "inference" : "web";
}

function warnUnknownChildren(ctx: ParseContext, route: Node, id: string): void {
  for (const directive of childNodes(route)) {
    if (!RECOGNIZED_ROUTE_CHILDREN.has(directive.name.name)) {
      const warning = ctx.sink.warn(
        directive,
        'Unrecognized directive in route block (will be ignored). Agents must be configured in a top-level "agents" block and referenced via filters.',
        "route-unknown-directive",
      );
      warning.detail = `route_id=${id} directive=${directive.name.name}`;
    }
  }
}

/** Parses one `route "<id>" { … }`. */
export function parseRoute(ctx: ParseContext, node: Node): RouteConfig {
  const id = firstString(node);
  if (id === null) {
    fail(node, 'Route requires an ID argument, e.g., route "api" { ... }', "route-id");
  }
  const matches = parseMatches(node);
  const priority = parsePriority(node);
  const upstream = firstString(child(node, "upstream"));
  const staticNode = child(node, "static-files");
  const staticRoot = staticNode ? parseStaticFiles(staticNode) : null;
  const apiSchemaNode = child(node, "api-schema");
  if (apiSchemaNode) {
    parseApiSchema(apiSchemaNode);
  }
  const inferenceNode = child(node, "inference");
  const inference = inferenceNode ? parseInference(inferenceNode) : null;
  const filtersNode = child(node, "filters");
  const filters = filtersNode ? stringEntries(filtersNode) : [];
  const retryNode = child(node, "retry-policy");
  const retryMaxAttempts = retryNode ? parseRetryPolicy(retryNode) : null;
  const builtinRaw = getString(node, "builtin-handler");
  const builtinHandler = builtinRaw === null ? null : (BUILTIN_HANDLERS.get(builtinRaw) ?? null);
  const cacheEnabled = parseRouteCache(node);
  const shadowNode = child(node, "shadow");
  const shadowUpstream = shadowNode ? parseShadow(shadowNode) : null;
  const [requestHeaders, responseHeaders] = parsePolicies(node);
  warnUnknownChildren(ctx, node, id);
  const fallbackNode = child(node, "fallback");
  if (fallbackNode) {
    parseFallback(fallbackNode);
  }
  const apiSchema = apiSchemaNode !== undefined;
  return {
    node,
    id,
    priority,
    matches,
    upstream,
    staticRoot,
    apiSchema,
    inference,
    filters,
    retryMaxAttempts,
    builtinHandler,
    cacheEnabled,
    shadowUpstream,
    requestHeaders,
    responseHeaders,
    wafEnabled: getBool(node, "waf-enabled") ?? false,
    websocket: getBool(node, "websocket") ?? false,
    fallback: fallbackNode !== undefined,
    serviceType: serviceType({ staticRoot, builtinHandler, apiSchema, inference }),
  };
}
