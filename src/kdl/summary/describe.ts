/**
 * Flattens a {@link ConfigModel} into SBOM components (CycloneDX name/value properties).
 */
import type { ComponentDescription, ConfigModel, Scope } from "../model.js";

type Properties = Record<string, string>;

/** Adds only non-empty values, so absent settings do not show up as empty strings. */
function props(entries: Array<[string, string | number | boolean | null | undefined]>): Properties {
  const out: Properties = {};
  for (const [key, value] of entries) {
    if (value !== null && value !== undefined && value !== "") {
      out[key] = String(value);
    }
  }
  return out;
}

function scopeProps(scope: Scope): Array<[string, string | null]> {
  return [
    ["namespace", scope.namespace],
    ["service", scope.service],
  ];
}

/**
 * SBOM components for a model, in a fixed order: listeners, routes, upstreams, agents, filters,
 * plugins, namespaces (each already sorted by the model). The only "plugin" Zentinel configs can
 * declare is the WAF engine of a `waf` block (`waf:<engine>`).
 */
export function describeComponents(model: ConfigModel): ComponentDescription[] {
  const out: ComponentDescription[] = [];
  for (const listener of model.listeners) {
    out.push({
      type: "listener",
      name: listener.qualifiedId,
      properties: props([
        ["address", listener.address],
        ["protocol", listener.protocol],
        ["tls", listener.tls],
        ["acme", listener.tlsConfig?.acme],
        ["default-route", listener.defaultRoute],
        ["serves-namespace", listener.servesNamespace],
        ...scopeProps(listener),
      ]),
    });
  }
  for (const route of model.routes) {
    const { policies } = route;
    out.push({
      type: "route",
      name: route.qualifiedId,
      properties: props([
        ["service-type", route.serviceType],
        ["priority", route.priority],
        ["upstream", route.upstream],
        ["builtin-handler", route.builtinHandler],
        ["filters", route.filters.join(",")],
        ["agents", route.agents.join(",")],
        ["match-conditions", route.matches.count],
        ["auth", policies.auth],
        ["waf", policies.waf],
        ["rate-limit", policies.rateLimit],
        ["cache", policies.cache],
        ...scopeProps(route),
      ]),
    });
  }
  for (const upstream of model.upstreams) {
    out.push({
      type: "upstream",
      name: upstream.qualifiedId,
      properties: props([
        ["targets", upstream.targets.map((target) => target.address).join(",")],
        ["load-balancing", upstream.loadBalancing],
        ["health-check", upstream.healthCheck?.type],
        ["tls", upstream.tls],
        ...scopeProps(upstream),
      ]),
    });
  }
  for (const agent of model.agents) {
    out.push({
      type: "agent",
      name: agent.qualifiedId,
      properties: props([
        ["agent-type", agent.customType ?? agent.type],
        ["transport", agent.transport],
        ["endpoint", agent.endpoint],
        ["failure-mode", agent.failureMode],
        ["timeout-ms", agent.timeoutMs],
        ...scopeProps(agent),
      ]),
    });
  }
  for (const filter of model.filters) {
    out.push({
      type: "filter",
      name: filter.qualifiedId,
      properties: props([
        ["filter-type", filter.type],
        ["agent", filter.agent],
        ["max-rps", filter.maxRps],
        ...scopeProps(filter),
      ]),
    });
  }
  if (model.waf) {
    out.push({
      type: "plugin",
      name: `waf:${model.waf.engine}`,
      properties: props([
        ["mode", model.waf.mode],
        ["paranoia-level", model.waf.paranoiaLevel],
      ]),
    });
  }
  for (const namespace of model.namespaces) {
    out.push({
      type: "namespace",
      name: namespace.id,
      properties: props([
        ["services", namespace.services.map((service) => service.id).join(",")],
        ["exports-upstreams", namespace.exports.upstreams.join(",")],
        ["exports-agents", namespace.exports.agents.join(",")],
        ["exports-filters", namespace.exports.filters.join(",")],
      ]),
    });
  }
  return out;
}
