/**
 * Import: existing KDL (one file or several joined by `include`) → config-model entities. Pure.
 *
 * Every construct ends up in exactly one place: a typed field, an entity's `extra_kdl`, or the
 * system entity's `document_kdl` (top-level blocks the model does not type, such as `limits`,
 * `observability` or `namespace`). Each non-typed construct is reported with its file, line and
 * column. Only what the proxy itself ignores (e.g. a non-`listener` child of `listeners`) is
 * left out, and that is reported too. Certificates and secrets cannot be imported: KDL only
 * names node paths, and TLS blocks stay raw.
 */
import type { Node } from "@bgotink/kdl";
import type { z } from "zod";
import type { Diagnostic, SourceMap } from "../../kdl/diagnostics";
import { expandIncludes } from "../../kdl/includes";
import {
  type Converted,
  importAgent,
  importFilter,
  importListener,
  importRoute,
  importSystem,
  importUpstream,
  type Report,
} from "./import-blocks";
import { fromParsed, renderFragment } from "./kdl-ast";
import {
  authPolicySpec,
  ENTITY_NAME,
  listenerSpec,
  middlewareSpec,
  pluginSpec,
  serviceSpec,
  systemSpec,
  upstreamGroupSpec,
  wafPolicySpec,
} from "./specs";

/** Entity kinds an import can create. */
export type ImportKind =
  | "upstream_group"
  | "service"
  | "listener"
  | "middleware"
  | "plugin"
  | "auth_policy"
  | "waf_policy"
  | "system";

/** One entity to create. */
export interface ImportedEntity {
  kind: ImportKind;
  name: string;
  spec: Record<string, unknown>;
}

/** A located finding of the import. */
export interface ImportFinding {
  file: string;
  line: number;
  column: number;
  message: string;
  /** Entity the finding belongs to, `<kind>/<name>`, when there is one. */
  entity?: string;
}

/** Outcome of {@link importConfig}. */
export interface ImportPlan {
  entities: ImportedEntity[];
  /** Constructs kept as raw KDL (or ignored as the proxy ignores them). */
  unrepresented: ImportFinding[];
  /** Problems that make the import impossible (nothing is created when there is any). */
  errors: ImportFinding[];
}

const SCHEMAS: Record<ImportKind, z.ZodType<Record<string, unknown>>> = {
  upstream_group: upstreamGroupSpec,
  service: serviceSpec,
  listener: listenerSpec,
  middleware: middlewareSpec,
  plugin: pluginSpec,
  auth_policy: authPolicySpec,
  waf_policy: wafPolicySpec,
  system: systemSpec,
};

const BLOCKS: Record<string, { item: string; kind: ImportKind | null }> = {
  listeners: { item: "listener", kind: "listener" },
  routes: { item: "route", kind: "service" },
  upstreams: { item: "upstream", kind: "upstream_group" },
  filters: { item: "filter", kind: "middleware" },
  agents: { item: "agent", kind: null },
};

function finding(sources: SourceMap, node: Node, message: string, entity?: string): ImportFinding {
  const d: Diagnostic = sources.at(node, message, "import");
  return { file: d.file, line: d.line, column: d.column, message, ...(entity ? { entity } : {}) };
}

function firstStringArg(node: Node): string | null {
  const entry = node.entries.find((e) => e.name === null);
  const value = entry?.value.value;
  return typeof value === "string" ? value : null;
}

function agentKind(node: Node): { kind: ImportKind; agentType: string | null } {
  const typeProp = node.entries.find((e) => e.name?.name === "type")?.value.value;
  if (typeProp === "auth") {
    return { kind: "auth_policy", agentType: null };
  }
  if (typeProp === "waf") {
    return { kind: "waf_policy", agentType: null };
  }
  return { kind: "plugin", agentType: typeof typeProp === "string" ? typeProp : null };
}

/** Converts a config into entities; see the module comment for what goes where. */
export function importConfig(files: Record<string, string>, entry = "zentinel.kdl"): ImportPlan {
  const expanded = expandIncludes(entry, files);
  if (expanded.nodes === null) {
    return { entities: [], unrepresented: [], errors: expanded.errors.map((e) => ({ ...e })) };
  }
  const sources = expanded.sources;
  const errors: ImportFinding[] = [];
  const unrepresented: ImportFinding[] = [];
  const byKey = new Map<string, ImportedEntity>();
  const documentRaw: Node[] = [];
  let system: Converted = {};

  const add = (kind: ImportKind, name: string, node: Node, converted: Converted | null) => {
    const entity = `${kind}/${name}`;
    if (!ENTITY_NAME.test(name)) {
      errors.push(
        finding(
          sources,
          node,
          `'${name}' is not a usable ${kind} name (${ENTITY_NAME.source})`,
          entity,
        ),
      );
      return;
    }
    if (converted === null) {
      errors.push(
        finding(
          sources,
          node,
          `${kind} '${name}' cannot be imported (unknown or missing type)`,
          entity,
        ),
      );
      return;
    }
    const parsed = SCHEMAS[kind].safeParse(converted);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        errors.push(
          finding(sources, node, `${issue.path.join(".") || kind}: ${issue.message}`, entity),
        );
      }
      return;
    }
    const key =
      kind === "plugin" || kind === "auth_policy" || kind === "waf_policy"
        ? `agent/${name}`
        : entity;
    if (byKey.has(key)) {
      // The proxy keeps the last of two same-named items inside one block and rejects
      // duplicates across blocks; either way the model holds one.
      unrepresented.push(
        finding(
          sources,
          node,
          `${kind} '${name}' is defined twice; the last definition is imported`,
          entity,
        ),
      );
    }
    byKey.set(key, { kind, name, spec: parsed.data });
  };

  for (const top of expanded.nodes) {
    const name = top.name.name;
    if (name === "schema-version") {
      if (firstStringArg(top) !== "1.0") {
        errors.push(finding(sources, top, 'only schema-version "1.0" can be imported'));
      }
      continue;
    }
    if (name === "system") {
      const report: Report = (n, message) =>
        unrepresented.push(finding(sources, n, message, "system"));
      system = importSystem(top, report);
      continue;
    }
    const block = BLOCKS[name];
    if (!block || top.entries.length > 0) {
      documentRaw.push(top);
      unrepresented.push(
        finding(
          sources,
          top,
          `top-level '${name}' is kept as raw KDL (system.document_kdl): the model does not type it`,
        ),
      );
      continue;
    }
    for (const item of top.children?.nodes ?? []) {
      if (item.name.name !== block.item) {
        unrepresented.push(
          finding(
            sources,
            item,
            `'${item.name.name}' inside '${name}' is ignored by the proxy; not imported`,
          ),
        );
        continue;
      }
      const id = firstStringArg(item);
      if (id === null) {
        errors.push(finding(sources, item, `${block.item} without an id cannot be imported`));
        continue;
      }
      const where = `${block.item} '${id}'`;
      const kind = block.kind ?? agentKind(item).kind;
      const report: Report = (n, message) =>
        unrepresented.push(finding(sources, n, message, `${kind}/${id}`));
      switch (block.item) {
        case "listener":
          add(kind, id, item, importListener(item, report, where));
          break;
        case "route":
          add(kind, id, item, importRoute(item, report, where));
          break;
        case "upstream":
          add(kind, id, item, importUpstream(item, report, where));
          break;
        case "filter":
          add(kind, id, item, importFilter(item, report, where));
          break;
        case "agent": {
          const extraProps = item.entries.filter((e) => e.name !== null && e.name.name !== "type");
          const args = item.entries.filter((e) => e.name === null);
          if (extraProps.length > 0 || args.length > 1) {
            errors.push(
              finding(
                sources,
                item,
                `agent '${id}' has arguments or properties the model cannot keep`,
              ),
            );
            break;
          }
          const converted = importAgent(item, report, where);
          const { agentType } = agentKind(item);
          add(
            kind,
            id,
            item,
            kind === "plugin" ? { ...converted, agent_type: agentType } : converted,
          );
          break;
        }
      }
    }
  }
  const first = expanded.nodes[0];
  if (first === undefined) {
    return {
      entities: [],
      unrepresented,
      errors: [{ file: entry, line: 1, column: 1, message: "the config is empty" }],
    };
  }
  const documentKdl = renderFragment(documentRaw.map(fromParsed));
  add("system", "system", first, { ...system, document_kdl: documentKdl });
  return { entities: [...byKey.values()], unrepresented, errors };
}
