/**
 * References between config-model entities, for referential integrity: a create or update whose
 * references dangle is refused (every dangling one listed), and deleting an entity that others
 * use is refused naming the users. Pure.
 */
import type {
  AuthPolicySpec,
  ConfigValue,
  ListenerSpec,
  MiddlewareSpec,
  PluginSpec,
  ServiceSpec,
  SystemSpec,
  UpstreamGroupSpec,
  WafPolicySpec,
} from "./specs";

/** Every kind an entity can be, including the two with sealed material. */
export type ModelKind =
  | "upstream_group"
  | "service"
  | "listener"
  | "middleware"
  | "plugin"
  | "auth_policy"
  | "waf_policy"
  | "system"
  | "certificate"
  | "secret";

/** What a reference may point at; `agent` is any of plugin, auth policy, WAF policy. */
export type TargetKind =
  | "upstream_group"
  | "service"
  | "middleware"
  | "plugin"
  | "auth_policy"
  | "waf_policy"
  | "certificate"
  | "secret"
  | "agent";

/** One reference: the JSON path inside the spec, the target kind and name. */
export interface Reference {
  path: string;
  target: TargetKind;
  name: string;
}

/** A spec of some kind, tagged. */
export type TaggedSpec =
  | { kind: "upstream_group"; spec: UpstreamGroupSpec }
  | { kind: "service"; spec: ServiceSpec }
  | { kind: "listener"; spec: ListenerSpec }
  | { kind: "middleware"; spec: MiddlewareSpec }
  | { kind: "plugin"; spec: PluginSpec }
  | { kind: "auth_policy"; spec: AuthPolicySpec }
  | { kind: "waf_policy"; spec: WafPolicySpec }
  | { kind: "system"; spec: SystemSpec };

function configSecrets(config: Record<string, ConfigValue>): Reference[] {
  return Object.entries(config).flatMap(([key, value]) =>
    typeof value === "object"
      ? [{ path: `config.${key}`, target: "secret", name: value.secret }]
      : [],
  ) as Reference[];
}

/** The references a spec makes, in field order. */
export function referencesOf(tagged: TaggedSpec): Reference[] {
  const refs: Reference[] = [];
  const add = (path: string, target: TargetKind, name: string | null) => {
    if (name !== null) {
      refs.push({ path, target, name });
    }
  };
  switch (tagged.kind) {
    case "service": {
      const s = tagged.spec;
      add("upstream_group", "upstream_group", s.upstream_group);
      for (const [i, m] of s.middlewares.entries()) {
        add(`middlewares.${i}`, "middleware", m);
      }
      add("auth_policy", "auth_policy", s.auth_policy);
      add("waf_policy", "waf_policy", s.waf_policy);
      for (const [i, p] of s.plugins.entries()) {
        add(`plugins.${i}`, "plugin", p);
      }
      break;
    }
    case "listener":
      add("default_route", "service", tagged.spec.default_route);
      for (const [i, c] of tagged.spec.certificates.entries()) {
        add(`certificates.${i}`, "certificate", c);
      }
      break;
    case "middleware": {
      const agent = tagged.spec.settings.agent;
      if (tagged.spec.type === "agent" && typeof agent === "string") {
        add("settings.agent", "agent", agent);
      }
      break;
    }
    case "plugin":
    case "auth_policy":
    case "waf_policy":
      refs.push(...configSecrets(tagged.spec.config));
      break;
    case "upstream_group":
    case "system":
      break;
  }
  return refs;
}

/** Whether a reference of `target` kind is satisfied by an entity of `kind`. */
export function satisfies(target: TargetKind, kind: ModelKind): boolean {
  if (target === "agent") {
    return kind === "plugin" || kind === "auth_policy" || kind === "waf_policy";
  }
  return target === kind;
}

/** Human label of a kind, as used in messages. */
export function kindLabel(kind: ModelKind | TargetKind): string {
  switch (kind) {
    case "upstream_group":
      return "upstream group";
    case "auth_policy":
      return "auth policy";
    case "waf_policy":
      return "WAF policy";
    case "agent":
      return "plugin or policy";
    default:
      return kind;
  }
}
