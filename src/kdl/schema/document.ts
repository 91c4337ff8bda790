/**
 * Top-level walker (`kdl/mod.rs::parse_kdl_document`): nodes in document order, collections merged
 * across blocks and files with duplicate-id checks, singletons last-wins.
 *
 * Duplicate ids are checked as each parsed block is merged, so within a block the parse errors come
 * first, then its duplicates, as in the proxy. `upstreams`/`filters` blocks are HashMaps in the
 * proxy: a repeated id inside ONE block silently keeps the last definition; across blocks it is an
 * error.
 */
import type { Node } from "@bgotink/kdl";
import type { DiagnosticSink } from "../diagnostics.js";
import { firstString } from "../values.js";
import { parseAgent } from "./agents.js";
import { attempt, emptyBrokenIds, type ParseContext, parseItems, trackBroken } from "./context.js";
import { parseFilter } from "./filters.js";
import { parseCache, parseLimits, parseObservability, parseRateLimits } from "./globals.js";
import { parseListener } from "./listeners.js";
import { parseNamespace } from "./namespace.js";
import { parseRoute } from "./routes.js";
import { defaultSystem, parseSystem } from "./system.js";
import type { BrokenIds, ParsedConfig } from "./types.js";
import { parseUpstream } from "./upstreams.js";
import { parseWaf } from "./waf.js";

const VALID_BLOCKS =
  "schema-version, system, listeners, routes, upstreams, filters, agents, waf, namespace, limits, observability, rate-limits, cache";

/** Result of the parse stage. */
export interface ParseStageResult {
  config: ParsedConfig;
  broken: BrokenIds;
}

function emptyConfig(): ParsedConfig {
  return {
    schemaVersion: null,
    schemaNode: null,
    system: defaultSystem(),
    listeners: [],
    routes: [],
    upstreams: new Map(),
    filters: new Map(),
    agents: [],
    waf: null,
    namespaces: [],
    limits: null,
    observability: null,
    rateLimits: null,
    cache: null,
  };
}

function duplicateMessage(kind: string, id: string): string {
  return `Duplicate ${kind} ID '${id}' found. Each ${kind} ID must be unique across all config files.`;
}

/** Appends items, reporting ids already present (including earlier items of the same block). */
function mergeList<T extends { id: string; node: Node }>(
  ctx: ParseContext,
  target: T[],
  items: T[],
  kind: string,
): void {
  const seen = new Set(target.map((item) => item.id));
  for (const item of items) {
    if (seen.has(item.id)) {
      ctx.sink.error(item.node, duplicateMessage(kind, item.id), "duplicate-id");
      continue;
    }
    seen.add(item.id);
    target.push(item);
  }
}

/** Merges a HashMap-like block: last definition wins inside the block, repeats across blocks fail. */
function mergeMap<T extends { id: string; node: Node }>(
  ctx: ParseContext,
  target: Map<string, T>,
  items: T[],
  kind: string,
): void {
  const block = new Map<string, T>();
  for (const item of items) {
    block.set(item.id, item);
  }
  for (const [id, item] of block) {
    if (target.has(id)) {
      ctx.sink.error(item.node, duplicateMessage(kind, id), "duplicate-id");
      continue;
    }
    target.set(id, item);
  }
}

function singletonWarning(ctx: ParseContext, node: Node, name: string): void {
  ctx.sink.warn(
    node,
    `Duplicate '${name}' block found. Singleton blocks use last-wins semantics; the previous '${name}' block will be overridden.`,
    "duplicate-singleton",
  );
}

/** Walks the merged top-level nodes; missing-block errors are reported at the start of `entryFile`. */
export function parseDocument(
  nodes: Node[],
  sink: DiagnosticSink,
  entryFile: string,
): ParseStageResult {
  const ctx: ParseContext = { sink, broken: emptyBrokenIds() };
  const config = emptyConfig();
  const { broken } = ctx;
  let systemSeen = false;
  for (const node of nodes) {
    const name = node.name.name;
    switch (name) {
      case "schema-version":
      case "version":
        config.schemaVersion = firstString(node);
        config.schemaNode = node;
        break;
      case "system":
      case "server":
        if (name === "server") {
          sink.warn(
            node,
            "The 'server' block is deprecated. Please use 'system' instead. This will be removed in a future version.",
            "deprecated-server",
          );
        }
        if (systemSeen) {
          singletonWarning(ctx, node, "system");
        }
        systemSeen = true;
        config.system = parseSystem(node);
        break;
      case "listeners": {
        const items = parseItems(ctx, node, "listener", parseListener, () => {
          broken.listeners += 1;
        });
        mergeList(ctx, config.listeners, items, "listener");
        break;
      }
      case "routes": {
        const items = parseItems(
          ctx,
          node,
          "route",
          (route) => parseRoute(ctx, route),
          trackBroken(broken.routes),
        );
        mergeList(ctx, config.routes, items, "route");
        break;
      }
      case "upstreams":
        mergeMap(
          ctx,
          config.upstreams,
          parseItems(ctx, node, "upstream", parseUpstream, trackBroken(broken.upstreams)),
          "upstream",
        );
        break;
      case "filters":
        mergeMap(
          ctx,
          config.filters,
          parseItems(ctx, node, "filter", parseFilter, trackBroken(broken.filters)),
          "filter",
        );
        break;
      case "agents": {
        const items = parseItems(
          ctx,
          node,
          "agent",
          (agent) => parseAgent(ctx, agent),
          trackBroken(broken.agents),
        );
        mergeList(ctx, config.agents, items, "agent");
        break;
      }
      case "waf":
        if (config.waf) {
          singletonWarning(ctx, node, "waf");
        }
        config.waf = attempt(ctx, () => parseWaf(node)) ?? config.waf;
        break;
      case "namespace": {
        const namespace = attempt(ctx, () => parseNamespace(ctx, node));
        if (namespace) {
          config.namespaces.push(namespace);
        } else {
          trackBroken(broken.namespaces)(firstString(node));
        }
        break;
      }
      case "limits":
        config.limits = parseLimits(node);
        break;
      case "observability":
        config.observability = attempt(ctx, () => parseObservability(node)) ?? config.observability;
        break;
      case "rate-limits":
        config.rateLimits = attempt(ctx, () => parseRateLimits(node)) ?? config.rateLimits;
        break;
      case "cache":
        config.cache = attempt(ctx, () => parseCache(node)) ?? config.cache;
        break;
      default:
        sink.error(
          node,
          `Unknown top-level configuration block: '${name}'\nValid blocks are: ${VALID_BLOCKS}`,
          "top-level-block",
        );
    }
  }
  if (!systemSeen) {
    sink.fileError(
      entryFile,
      "Missing required 'system' configuration block\nExample:\nsystem {\nworker-threads 4\nmax-connections 10000\n}",
      "system-missing",
    );
  }
  if (config.listeners.length === 0 && broken.listeners === 0) {
    sink.fileError(
      entryFile,
      'Missing required \'listeners\' configuration block\nExample:\nlisteners {\nlistener "http" {\naddress "0.0.0.0:8080"\nprotocol "http"\n}\n}',
      "listeners-missing",
    );
  }
  return { config, broken };
}
