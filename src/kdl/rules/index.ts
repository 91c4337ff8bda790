/**
 * `Config::validate()` in the proxy's order: schema version → aggregated semantic rules
 * (route-cache-size → routes → listeners → ACME domains → filters → upstreams → agents →
 * duplicates → namespaces → WAF) → `Limits::validate()`. Warnings are collected alongside.
 */
import type { RuleContext } from "./common.js";
import { checkNamespaces } from "./namespaces.js";
import { warnNodeLocalChecks } from "./node-local.js";
import {
  checkAcmeDomains,
  checkAgents,
  checkDuplicateAddresses,
  checkFilters,
  checkUpstreams,
  checkWaf,
  warnOrphanUpstreams,
  warnUnwiredFeatures,
} from "./resources.js";
import { checkListeners, checkRoutes } from "./routes.js";
import { checkLimits, checkRouteCacheSize, checkSchemaVersion } from "./stages.js";

export type { RuleContext } from "./common.js";

/** Runs every semantic rule, appending to `ctx.sink`. */
export function runRules(ctx: RuleContext): void {
  checkSchemaVersion(ctx);
  checkRouteCacheSize(ctx);
  checkRoutes(ctx);
  checkListeners(ctx);
  checkAcmeDomains(ctx);
  checkFilters(ctx);
  checkUpstreams(ctx);
  checkAgents(ctx);
  checkDuplicateAddresses(ctx);
  checkNamespaces(ctx);
  warnOrphanUpstreams(ctx);
  checkWaf(ctx);
  warnUnwiredFeatures(ctx);
  checkLimits(ctx);
  warnNodeLocalChecks(ctx);
}
