/**
 * Value access with kdl-rs 6 semantics, as the proxy's getters see them.
 *
 * Invariants copied from the proxy (`crates/config/src/kdl/helpers.rs`):
 * - Child lookup returns the FIRST child with that name (`KdlDocument::get`).
 * - A getter reads that child's FIRST ENTRY (argument or property) and yields a value only when
 *   the type matches; a wrong type is "absent", never an error.
 * - Integers and floats are told apart by their written form (`10` vs `10.0`/`1e3`); integers are
 *   exact (bigint, like Rust's i128), so range checks and `as` casts behave like the proxy's.
 */
import type { Entry, Node, Value } from "@bgotink/kdl";

/** A KDL value classified the way kdl-rs classifies it. */
export type Scalar =
  | { kind: "string"; value: string }
  | { kind: "int"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "null" };

const RADIX_PREFIX = /^0[xob]/i;

/** Parses the literal text of an integer (sign, radix prefix, underscores) into a bigint. */
function parseIntLiteral(text: string): bigint {
  const negative = text.startsWith("-");
  const unsigned = text.replace(/^[+-]/, "").replaceAll("_", "");
  const magnitude = BigInt(unsigned.toLowerCase());
  return negative ? -magnitude : magnitude;
}

/** Classifies a parsed value; numbers are split into int/float by their written form. */
export function classify(value: Value): Scalar {
  const raw = value.value;
  if (typeof raw === "string") {
    return { kind: "string", value: raw };
  }
  if (typeof raw === "boolean") {
    return { kind: "bool", value: raw };
  }
  if (raw === null) {
    return { kind: "null" };
  }
  const text = value.representation ?? String(raw);
  if (text.startsWith("#")) {
    return { kind: "float", value: raw };
  }
  const unsigned = text.replace(/^[+-]/, "");
  if (RADIX_PREFIX.test(unsigned) || !/[.eE]/.test(unsigned)) {
    return { kind: "int", value: parseIntLiteral(text) };
  }
  return { kind: "float", value: raw };
}

/** String value of an entry, or null when it is not a string. */
export function entryString(entry: Entry | undefined): string | null {
  if (!entry) {
    return null;
  }
  const raw = entry.value.value;
  return typeof raw === "string" ? raw : null;
}

/** Integer value of an entry, or null when it is not written as an integer. */
export function entryInt(entry: Entry | undefined): bigint | null {
  if (!entry) {
    return null;
  }
  const scalar = classify(entry.value);
  return scalar.kind === "int" ? scalar.value : null;
}

/** Float value of an entry; integers are accepted and converted (like `get_float_entry`). */
export function entryFloat(entry: Entry | undefined): number | null {
  if (!entry) {
    return null;
  }
  const scalar = classify(entry.value);
  if (scalar.kind === "float") {
    return scalar.value;
  }
  return scalar.kind === "int" ? Number(scalar.value) : null;
}

/** Boolean value of an entry, or null. */
export function entryBool(entry: Entry | undefined): boolean | null {
  if (!entry) {
    return null;
  }
  const raw = entry.value.value;
  return typeof raw === "boolean" ? raw : null;
}

/** Child nodes of a node (empty when it has no children block). */
export function childNodes(node: Node): Node[] {
  return node.children ? node.children.nodes : [];
}

/** First child named `name` (kdl-rs `children().get(name)`). */
export function child(node: Node, name: string): Node | undefined {
  if (!node.children) {
    return undefined;
  }
  for (const candidate of node.children.nodes) {
    if (candidate.name.name === name) {
      return candidate;
    }
  }
  return undefined;
}

/** All children named `name`, in document order. */
export function childrenNamed(node: Node, name: string): Node[] {
  return childNodes(node).filter((candidate) => candidate.name.name === name);
}

/** First entry of a node (argument or property). */
export function firstEntry(node: Node | undefined): Entry | undefined {
  return node?.entries[0];
}

/** `get_first_arg_string`: the first ENTRY of the node itself, if it is a string. */
export function firstString(node: Node | undefined): string | null {
  return entryString(firstEntry(node));
}

/** `get_string_entry(node, name)`. */
export function getString(node: Node, name: string): string | null {
  return entryString(firstEntry(child(node, name)));
}

/** `get_int_entry(node, name)`. */
export function getInt(node: Node, name: string): bigint | null {
  return entryInt(firstEntry(child(node, name)));
}

/** `get_float_entry(node, name)` (ints accepted). */
export function getFloat(node: Node, name: string): number | null {
  return entryFloat(firstEntry(child(node, name)));
}

/** `get_bool_entry(node, name)`. */
export function getBool(node: Node, name: string): boolean | null {
  return entryBool(firstEntry(child(node, name)));
}

/** First property entry named `name` (`named_*_entry` helpers read the FIRST match). */
export function firstProperty(node: Node, name: string): Entry | undefined {
  return node.entries.find((entry) => entry.name?.name === name);
}

/** Last property entry named `name` (kdl-rs `node.get("name")` returns the LAST match). */
export function lastProperty(node: Node, name: string): Entry | undefined {
  let found: Entry | undefined;
  for (const entry of node.entries) {
    if (entry.name?.name === name) {
      found = entry;
    }
  }
  return found;
}

/** Positional argument entries (entries without a name). */
export function argumentEntries(node: Node): Entry[] {
  return node.entries.filter((entry) => entry.name === null);
}

/** Every string-valued entry of the node (arguments and properties), in order. */
export function stringEntries(node: Node): string[] {
  const out: string[] = [];
  for (const entry of node.entries) {
    const value = entryString(entry);
    if (value !== null) {
      out.push(value);
    }
  }
  return out;
}

/** The node name as written (kdl-rs `KdlIdentifier` Display keeps quotes of quoted names). */
export function writtenName(node: Node): string {
  return node.name.representation ?? node.name.name;
}

/** Rust `v as uN`: two's-complement wrap to `bits` bits. */
export function wrapUnsigned(value: bigint, bits: number): bigint {
  return BigInt.asUintN(bits, value);
}

/** Rust `v as iN`: two's-complement wrap to a signed `bits`-bit integer. */
export function wrapSigned(value: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, value);
}

/** `get_int_entry(..).map(|v| v as u64)` etc. as a JS number (precision beyond 2^53 is lost). */
export function getUnsigned(node: Node, name: string, bits: number): number | null {
  const value = getInt(node, name);
  return value === null ? null : Number(wrapUnsigned(value, bits));
}
