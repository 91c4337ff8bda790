/**
 * Turns imported entities into the generator's input (no certificates or secrets: an import
 * never creates them). Pure; used by the import route's dry run and by the round-trip tests.
 */
import type { ImportedEntity } from "./import";
import type { ConfigModelInput } from "./specs";
import {
  authPolicySpec,
  defaultSystem,
  listenerSpec,
  middlewareSpec,
  pluginSpec,
  serviceSpec,
  systemSpec,
  upstreamGroupSpec,
  wafPolicySpec,
} from "./specs";

/** The model an import would create (entity specs re-parsed with their schemas). */
export function modelOfEntities(entities: readonly ImportedEntity[]): ConfigModelInput {
  const model: ConfigModelInput = {
    system: defaultSystem(),
    listeners: [],
    services: [],
    upstreamGroups: [],
    middlewares: [],
    plugins: [],
    authPolicies: [],
    wafPolicies: [],
    certificates: [],
    secrets: [],
  };
  for (const { kind, name, spec } of entities) {
    switch (kind) {
      case "system":
        model.system = systemSpec.parse(spec);
        break;
      case "listener":
        model.listeners.push({ name, spec: listenerSpec.parse(spec) });
        break;
      case "service":
        model.services.push({ name, spec: serviceSpec.parse(spec) });
        break;
      case "upstream_group":
        model.upstreamGroups.push({ name, spec: upstreamGroupSpec.parse(spec) });
        break;
      case "middleware":
        model.middlewares.push({ name, spec: middlewareSpec.parse(spec) });
        break;
      case "plugin":
        model.plugins.push({ name, spec: pluginSpec.parse(spec) });
        break;
      case "auth_policy":
        model.authPolicies.push({ name, spec: authPolicySpec.parse(spec) });
        break;
      case "waf_policy":
        model.wafPolicies.push({ name, spec: wafPolicySpec.parse(spec) });
        break;
    }
  }
  return model;
}
