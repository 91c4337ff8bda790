/**
 * Diagnostics: where a problem is (file, 1-based line and column) and the proxy's message.
 */
import { getLocation, type Node } from "@bgotink/kdl";

/** One error or warning. `line`/`column` are 1-based. */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  /** The proxy's exact message (see the reference), or a control-plane message for warnings. */
  message: string;
  /** Stable rule id, e.g. `listener-protocol` or `route-upstream-ref`. */
  rule?: string;
  /** Extra explanation that the proxy does not print (e.g. the KDL parser's syntax detail). */
  detail?: string;
}

/** Maps every parsed node to the file it came from (nodes are spliced across files by includes). */
export class SourceMap {
  private readonly files = new WeakMap<Node, string>();

  /** Records `file` as the origin of `node` and all of its descendants. */
  register(node: Node, file: string): void {
    const stack: Node[] = [node];
    for (let current = stack.pop(); current; current = stack.pop()) {
      this.files.set(current, file);
      if (current.children) {
        stack.push(...current.children.nodes);
      }
    }
  }

  /** Builds a diagnostic anchored at `node` (the start of the node). */
  at(node: Node, message: string, rule: string): Diagnostic {
    const location = getLocation(node);
    return {
      file: this.files.get(node) ?? "",
      line: location?.start.line ?? 1,
      column: location?.start.column ?? 1,
      message,
      rule,
    };
  }
}

/** Collects errors and warnings in the order they are found. */
export class DiagnosticSink {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];

  constructor(readonly sources: SourceMap) {}

  /** Records an error anchored at `node` and returns it. */
  error(node: Node, message: string, rule: string): Diagnostic {
    const diagnostic = this.sources.at(node, message, rule);
    this.errors.push(diagnostic);
    return diagnostic;
  }

  /** Records an error about a whole file (reported at line 1, column 1). */
  fileError(file: string, message: string, rule: string): Diagnostic {
    const diagnostic = { file, line: 1, column: 1, message, rule };
    this.errors.push(diagnostic);
    return diagnostic;
  }

  /** Records a warning about a whole file (reported at line 1, column 1). */
  fileWarning(file: string, message: string, rule: string): Diagnostic {
    const diagnostic = { file, line: 1, column: 1, message, rule };
    this.warnings.push(diagnostic);
    return diagnostic;
  }

  /** Records a warning anchored at `node` and returns it. */
  warn(node: Node, message: string, rule: string): Diagnostic {
    const diagnostic = this.sources.at(node, message, rule);
    this.warnings.push(diagnostic);
    return diagnostic;
  }
}

/**
 * A parse-stage failure: the proxy aborts at the first one (anyhow `?`); we catch it per item so
 * later items can still be checked, which keeps `errors[0]` equal to the proxy's error.
 */
export class SchemaError extends Error {
  constructor(
    message: string,
    readonly node: Node,
    readonly rule: string,
  ) {
    super(message);
    this.name = "SchemaError";
  }
}

/** Throws a {@link SchemaError}; typed `never` so callers can use it in expressions. */
export function fail(node: Node, message: string, rule: string): never {
  throw new SchemaError(message, node, rule);
}
