/**
 * `namespace "<id>" { … }` and its `service "<id>" { … }` and `exports { … }` blocks
 * (`kdl/namespace.rs`). Unknown children are errors here. Repeating `routes`, `upstreams`, … inside
 * a namespace replaces the earlier block.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import { argumentEntries, childNodes, entryString, firstString } from "../values.js";
import { parseAgent } from "./agents.js";
import { attempt, type ParseContext, parseItems, trackBroken } from "./context.js";
import { parseFilter } from "./filters.js";
import { parseListener, parseServiceListener } from "./listeners.js";
import { parseRoute } from "./routes.js";
import type { NamespaceConfig, ScopedResources, ServiceConfig } from "./types.js";
import { parseUpstream } from "./upstreams.js";

function emptyResources(): ScopedResources {
  return { listeners: [], upstreams: new Map(), routes: [], agents: [], filters: new Map() };
}

/** Parses the blocks shared by namespaces and services; returns false for other names. */
function parseSharedBlock(ctx: ParseContext, node: Node, target: ScopedResources): boolean {
  const broken = ctx.broken;
  switch (node.name.name) {
    case "upstreams":
      target.upstreams = new Map(
        parseItems(ctx, node, "upstream", parseUpstream, trackBroken(broken.upstreams)).map(
          (upstream) => [upstream.id, upstream],
        ),
      );
      return true;
    case "routes":
      target.routes = parseItems(
        ctx,
        node,
        "route",
        (route) => parseRoute(ctx, route),
        trackBroken(broken.routes),
      );
      return true;
    case "agents":
      target.agents = parseItems(
        ctx,
        node,
        "agent",
        (agent) => parseAgent(ctx, agent),
        trackBroken(broken.agents),
      );
      return true;
    case "filters":
      target.filters = new Map(
        parseItems(ctx, node, "filter", parseFilter, trackBroken(broken.filters)).map((filter) => [
          filter.id,
          filter,
        ]),
      );
      return true;
    case "limits":
      // Namespace/service limits are parsed by the proxy but never fail and are not validated.
      return true;
    default:
      return false;
  }
}

function requireBlock(node: Node, kind: "Namespace" | "Service"): { id: string; children: Node[] } {
  const id = firstString(node);
  if (id === null) {
    fail(node, `${kind} requires an ID as first argument`, `${kind.toLowerCase()}-id`);
  }
  if (!node.children) {
    fail(
      node,
      `${kind} '${id}' requires a configuration block with braces {}`,
      `${kind.toLowerCase()}-block`,
    );
  }
  return { id, children: node.children.nodes };
}

function parseService(ctx: ParseContext, node: Node): ServiceConfig {
  const { id, children } = requireBlock(node, "Service");
  const service: ServiceConfig = { node, id, ...emptyResources() };
  for (const block of children) {
    attempt(ctx, () => {
      if (block.name.name === "listener") {
        service.listeners = [parseServiceListener(block)];
      } else if (!parseSharedBlock(ctx, block, service)) {
        fail(
          block,
          `Unknown block '${block.name.name}' in service '${id}'\nValid blocks are: listener, upstreams, routes, agents, filters, limits`,
          "service-block",
        );
      }
    });
  }
  return service;
}

function stringArguments(node: Node): string[] {
  const out: string[] = [];
  for (const entry of argumentEntries(node)) {
    const value = entryString(entry);
    if (value !== null) {
      out.push(value);
    }
  }
  return out;
}

function parseExports(node: Node): NamespaceConfig["exports"] {
  const exports: NamespaceConfig["exports"] = { upstreams: [], agents: [], filters: [] };
  for (const entry of childNodes(node)) {
    const name = entry.name.name;
    if (name === "upstreams" || name === "agents" || name === "filters") {
      exports[name] = stringArguments(entry);
    } else {
      fail(
        entry,
        `Unknown export type '${name}'\nValid export types are: upstreams, agents, filters`,
        "namespace-exports",
      );
    }
  }
  return exports;
}

/** Parses one `namespace "<id>" { … }`. */
export function parseNamespace(ctx: ParseContext, node: Node): NamespaceConfig {
  const { id, children } = requireBlock(node, "Namespace");
  const namespace: NamespaceConfig = {
    node,
    id,
    ...emptyResources(),
    services: [],
    exports: { upstreams: [], agents: [], filters: [] },
  };
  for (const block of children) {
    attempt(ctx, () => {
      const name = block.name.name;
      if (name === "listeners") {
        namespace.listeners = parseItems(ctx, block, "listener", parseListener, () => {
          ctx.broken.listeners += 1;
        });
      } else if (name === "service") {
        namespace.services.push(parseService(ctx, block));
      } else if (name === "exports") {
        namespace.exports = parseExports(block);
      } else if (!parseSharedBlock(ctx, block, namespace)) {
        fail(
          block,
          `Unknown block '${name}' in namespace '${id}'\nValid blocks are: limits, listeners, upstreams, routes, agents, filters, service, exports`,
          "namespace-block",
        );
      }
    });
  }
  return namespace;
}
