/**
 * A typed KDL v2 AST and its canonical text form. The generator builds this AST; raw KDL kept by
 * the model (`extra_kdl`) is converted into it, so all output goes through one printer.
 *
 * Canonical form: 4-space indentation, one node per line, strings always quoted, integers in
 * decimal, floats with a fraction or exponent (so a float never turns into an integer: the proxy
 * treats `10` and `10.0` differently), `#true`/`#false`/`#null`, children in braces. The same
 * AST always prints to the same bytes.
 */
import type { Document, Entry, Node } from "@bgotink/kdl";

/** A float that must print as a float even when integral (`1.0`). */
export interface KdlFloat {
  float: number;
}

/** A KDL value: strings, integers (number or bigint), floats, booleans, null. */
export type KdlValue = string | number | bigint | boolean | null | KdlFloat;

/** One node: name, arguments, properties in order, children (null: no braces). */
export interface KdlNode {
  name: string;
  /** The name was quoted in the source (kdl-rs keeps the quotes in the name it reports). */
  quotedName?: boolean;
  args: KdlValue[];
  props: Array<[string, KdlValue]>;
  children: KdlNode[] | null;
}

/** Builds a node. */
export function node(
  name: string,
  args: KdlValue[] = [],
  children: KdlNode[] | null = null,
  props: Array<[string, KdlValue]> = [],
): KdlNode {
  return { name, args, props, children };
}

const BARE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const RESERVED = new Set(["true", "false", "null", "inf", "nan"]);

function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") {
      out += `\\${ch}`;
    } else if (ch === "\n") {
      out += "\\n";
    } else if (ch === "\r") {
      out += "\\r";
    } else if (ch === "\t") {
      out += "\\t";
    } else if (code < 0x20 || code === 0x7f || (code >= 0x2028 && code <= 0x2029)) {
      out += `\\u{${code.toString(16)}}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

function identifier(name: string, forceQuotes = false): string {
  return !forceQuotes && BARE_IDENTIFIER.test(name) && !RESERVED.has(name) ? name : quote(name);
}

function renderFloat(value: number): string {
  if (Number.isNaN(value)) {
    return "#nan";
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? "#inf" : "#-inf";
  }
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/** The canonical text of one value. */
export function renderValue(value: KdlValue): string {
  if (value === null) {
    return "#null";
  }
  switch (typeof value) {
    case "string":
      return quote(value);
    case "boolean":
      return value ? "#true" : "#false";
    case "bigint":
      return value.toString();
    case "number":
      return Number.isInteger(value) ? String(value) : renderFloat(value);
    default:
      return renderFloat(value.float);
  }
}

function renderNode(n: KdlNode, depth: number, out: string[]): void {
  const indent = "    ".repeat(depth);
  const parts = [identifier(n.name, n.quotedName === true)];
  for (const arg of n.args) {
    parts.push(renderValue(arg));
  }
  for (const [key, value] of n.props) {
    parts.push(`${identifier(key)}=${renderValue(value)}`);
  }
  if (n.children === null) {
    out.push(indent + parts.join(" "));
    return;
  }
  if (n.children.length === 0) {
    out.push(`${indent}${parts.join(" ")} {}`);
    return;
  }
  out.push(`${indent}${parts.join(" ")} {`);
  for (const c of n.children) {
    renderNode(c, depth + 1, out);
  }
  out.push(`${indent}}`);
}

/** The canonical text of a document: header comment lines, then the nodes, newline-terminated. */
export function renderDocument(
  nodes: readonly KdlNode[],
  comments: readonly string[] = [],
): string {
  const out = comments.map((c) => `// ${c}`);
  for (const [i, n] of nodes.entries()) {
    if (i > 0 || out.length > 0) {
      out.push("");
    }
    renderNode(n, 0, out);
  }
  return `${out.join("\n")}\n`;
}

/** Canonical text of top-level-free nodes (an `extra_kdl` fragment), newline-terminated. */
export function renderFragment(nodes: readonly KdlNode[]): string {
  if (nodes.length === 0) {
    return "";
  }
  const out: string[] = [];
  for (const n of nodes) {
    renderNode(n, 0, out);
  }
  return `${out.join("\n")}\n`;
}

function fromEntryValue(entry: Entry): KdlValue {
  const raw = entry.value.value;
  if (typeof raw !== "number") {
    return raw;
  }
  const text = entry.value.representation ?? String(raw);
  const unsigned = text.replace(/^[+-]/, "");
  if (text.startsWith("#") || (!/^0[xob]/i.test(unsigned) && /[.eE]/.test(unsigned))) {
    return { float: raw };
  }
  if (!Number.isSafeInteger(raw)) {
    const negative = text.startsWith("-");
    const magnitude = BigInt(unsigned.replaceAll("_", "").toLowerCase());
    return negative ? -magnitude : magnitude;
  }
  return raw;
}

/** Converts a parsed node (comments and formatting dropped, values and quoting kept). */
export function fromParsed(parsed: Node): KdlNode {
  const args: KdlValue[] = [];
  const props: Array<[string, KdlValue]> = [];
  for (const entry of parsed.entries) {
    if (entry.name === null) {
      args.push(fromEntryValue(entry));
    } else {
      props.push([entry.name.name, fromEntryValue(entry)]);
    }
  }
  const representation = parsed.name.representation;
  return {
    name: parsed.name.name,
    ...(representation?.startsWith('"') ? { quotedName: true } : {}),
    args,
    props,
    children: parsed.children ? parsed.children.nodes.map(fromParsed) : null,
  };
}

/** Converts a parsed document's nodes. */
export function fromDocument(doc: Document): KdlNode[] {
  return doc.nodes.map(fromParsed);
}
