/**
 * Parse-stage plumbing: error recovery per item so every parse error is reported in document
 * order, while the first one is still the error the proxy would stop at.
 */
import type { Node } from "@bgotink/kdl";
import { type DiagnosticSink, SchemaError } from "../diagnostics.js";
import { firstString } from "../values.js";
import type { BrokenIds } from "./types.js";

/** State shared by the section parsers. */
export interface ParseContext {
  readonly sink: DiagnosticSink;
  readonly broken: BrokenIds;
}

/** Creates an empty {@link BrokenIds}. */
export function emptyBrokenIds(): BrokenIds {
  return {
    routes: new Set(),
    upstreams: new Set(),
    filters: new Set(),
    agents: new Set(),
    namespaces: new Set(),
    listeners: 0,
  };
}

/**
 * Runs `parse`; a {@link SchemaError} is recorded and yields null so the caller can go on.
 * Other exceptions are bugs and propagate.
 */
export function attempt<T>(ctx: ParseContext, parse: () => T): T | null {
  try {
    return parse();
  } catch (error) {
    if (error instanceof SchemaError) {
      ctx.sink.error(error.node, error.message, error.rule);
      return null;
    }
    throw error;
  }
}

/**
 * Parses every child of `block` named `childName` with `parseItem`, in order. Failed items are
 * recorded and skipped; `onBroken` receives the failed node's id (first entry) when it has one.
 */
export function parseItems<T>(
  ctx: ParseContext,
  block: Node,
  childName: string,
  parseItem: (node: Node) => T,
  onBroken: (id: string | null) => void,
): T[] {
  const items: T[] = [];
  if (!block.children) {
    return items;
  }
  for (const node of block.children.nodes) {
    if (node.name.name !== childName) {
      continue;
    }
    const item = attempt(ctx, () => parseItem(node));
    if (item === null) {
      onBroken(firstString(node));
    } else {
      items.push(item);
    }
  }
  return items;
}

/** An `onBroken` callback that records the failed item's id in `set`. */
export function trackBroken(set: Set<string>): (id: string | null) => void {
  return (id) => {
    if (id !== null) {
      set.add(id);
    }
  };
}
