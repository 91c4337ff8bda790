/**
 * Route summaries for the {@link ConfigModel}: match summary, attached agents and policy flags.
 */
import type { RouteMatchesModel, RouteModel, RoutePoliciesModel } from "../model.js";
import type { AgentConfig, HeaderModifications, RouteConfig } from "../schema/types.js";
import { qualify, type ReferenceIndex, type ScopeRef } from "./lookup.js";

function summarizeMatches(route: RouteConfig): RouteMatchesModel {
  const summary: RouteMatchesModel = {
    pathPrefixes: [],
    paths: [],
    pathRegexes: [],
    hosts: [],
    methods: [],
    headers: [],
    queryParams: [],
    count: route.matches.length,
  };
  for (const match of route.matches) {
    switch (match.kind) {
      case "path-prefix":
        summary.pathPrefixes.push(match.value);
        break;
      case "path":
        summary.paths.push(match.value);
        break;
      case "path-regex":
        summary.pathRegexes.push(match.value);
        break;
      case "host":
        summary.hosts.push(match.value);
        break;
      case "method":
        summary.methods.push(match.value);
        break;
      case "header":
        summary.headers.push({ name: match.name, value: match.value });
        break;
      case "query-param":
        summary.queryParams.push({ name: match.name, value: match.value });
        break;
    }
  }
  return summary;
}

function headerNames(mods: HeaderModifications): string[] {
  const names = new Set([
    ...mods.rename.keys(),
    ...mods.set.keys(),
    ...mods.add.keys(),
    ...mods.remove,
  ]);
  return [...names].sort();
}

/** True when the agent's type, custom type or id names the capability (e.g. `auth`). */
function agentIs(agent: AgentConfig, type: AgentConfig["type"], pattern: RegExp): boolean {
  return agent.type === type || pattern.test(agent.customType ?? "") || pattern.test(agent.id);
}

const AUTH_PATTERN = /auth/i;
const WAF_PATTERN = /waf/i;
const RATE_LIMIT_PATTERN = /rate[-_]?limit/i;

/** Builds the model entry for one route declared in `scope`. */
export function summarizeRoute(
  route: RouteConfig,
  scope: ScopeRef,
  index: ReferenceIndex,
): RouteModel {
  const filters = route.filters.map((ref) => index.filter(scope, ref)).filter((filter) => !!filter);
  const agents = new Map<string, AgentConfig | undefined>();
  for (const filter of filters) {
    if (filter.agent !== null) {
      agents.set(filter.agent, index.agent(scope, filter.agent));
    }
  }
  const resolved = [...agents.values()].filter((agent) => !!agent);
  const policies: RoutePoliciesModel = {
    auth: resolved.some((agent) => agentIs(agent, "auth", AUTH_PATTERN)),
    waf: route.wafEnabled || resolved.some((agent) => agentIs(agent, "waf", WAF_PATTERN)),
    rateLimit:
      filters.some((filter) => filter.type === "rate-limit") ||
      resolved.some((agent) => agentIs(agent, "rate_limit", RATE_LIMIT_PATTERN)) ||
      (route.inference?.rateLimit ?? false),
    cache: route.cacheEnabled === true,
    cors: filters.some((filter) => filter.type === "cors"),
    retryMaxAttempts: route.retryMaxAttempts,
    shadowUpstream: route.shadowUpstream,
    apiSchema: route.apiSchema,
    inference: route.inference !== null,
    fallback: route.fallback,
    websocket: route.websocket,
    requestHeaders: headerNames(route.requestHeaders),
    responseHeaders: headerNames(route.responseHeaders),
  };
  return {
    ...scope,
    id: route.id,
    qualifiedId: qualify(scope, route.id),
    priority: route.priority,
    matches: summarizeMatches(route),
    upstream: route.upstream,
    serviceType: route.serviceType,
    builtinHandler: route.builtinHandler,
    staticRoot: route.staticRoot,
    filters: [...route.filters],
    agents: [...agents.keys()].sort(),
    policies,
  };
}
