/**
 * Global `waf { … }` (`kdl/mod.rs::parse_waf_config`). The mode defaults to prevention, which the
 * semantic stage then rejects because the WAF engine is not wired into the proxy.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import {
  argumentEntries,
  child,
  childrenNamed,
  entryString,
  getInt,
  getString,
  stringEntries,
  wrapUnsigned,
} from "../values.js";
import type { WafConfig } from "./types.js";

function parseEngine(node: Node): string {
  const engine = getString(node, "engine")?.toLowerCase();
  if (engine === undefined || engine === "coraza") {
    return "coraza";
  }
  return engine === "mod_security" || engine === "modsecurity" ? "modsecurity" : engine;
}

function parseMode(node: Node): WafConfig["mode"] {
  const raw = getString(node, "mode");
  if (raw === null) {
    return "prevention";
  }
  const mode = raw.toLowerCase();
  if (mode === "off") {
    return "off";
  }
  if (mode === "detection" || mode === "detect") {
    return "detection";
  }
  if (mode === "prevention" || mode === "prevent" || mode === "block") {
    return "prevention";
  }
  return fail(
    child(node, "mode") ?? node,
    `Invalid WAF mode '${mode}'. Valid options: off, detection, prevention`,
    "waf-mode",
  );
}

function parseExclusion(node: Node): void {
  const ruleIdsNode = child(node, "rule-ids");
  const ruleIds = ruleIdsNode ? stringEntries(ruleIdsNode) : [];
  for (const entry of argumentEntries(node)) {
    const id = entryString(entry);
    if (id !== null) {
      ruleIds.push(id);
    }
  }
  const scope = getString(node, "scope")?.toLowerCase();
  if (
    scope !== undefined &&
    scope !== "global" &&
    !scope.startsWith("path=") &&
    !scope.startsWith("host=")
  ) {
    fail(
      child(node, "scope") ?? node,
      `Invalid exclusion scope '${scope}'. Valid options: global, path=<pattern>, host=<hostname>`,
      "waf-exclusion",
    );
  }
  if (ruleIds.length === 0) {
    fail(node, "WAF rule exclusion requires at least one rule ID", "waf-exclusion");
  }
}

function parseRuleset(node: Node): number {
  const raw = getInt(node, "paranoia-level");
  // `as u8`: 260 wraps to 4 and passes, -1 becomes 255.
  const paranoia = raw === null ? 1 : Number(wrapUnsigned(raw, 8));
  if (paranoia < 1 || paranoia > 4) {
    fail(
      child(node, "paranoia-level") ?? node,
      `WAF paranoia level must be between 1 and 4, got ${paranoia}`,
      "waf-paranoia",
    );
  }
  for (const exclusion of childrenNamed(node, "exclusion")) {
    parseExclusion(exclusion);
  }
  return paranoia;
}

/** Parses `waf { … }`. */
export function parseWaf(node: Node): WafConfig {
  const engine = parseEngine(node);
  const mode = parseMode(node);
  const ruleset = child(node, "ruleset");
  const paranoiaLevel = ruleset ? parseRuleset(ruleset) : 1;
  return { node, engine, mode, paranoiaLevel };
}
