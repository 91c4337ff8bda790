/**
 * Canonical JSON: object keys sorted recursively, no insignificant whitespace, UTF-8.
 *
 * Key order is by UTF-16 code units (JavaScript's default sort, as in RFC 8785 JCS); every key in
 * the bundle format is ASCII, where this equals bytewise order. Strings and numbers are written
 * exactly as `JSON.stringify` writes them (the ECMAScript serialisation JCS also uses).
 */
import { isWellFormedUnicode, utf8Encode } from "./bytes";

/** A JSON value as parsed or produced by the canonical serialiser. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Raised for values that have no canonical JSON form. */
export class CanonicalJsonError extends Error {
  override name = "CanonicalJsonError";
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function stringLiteral(text: string, where: string): string {
  if (!isWellFormedUnicode(text)) {
    throw new CanonicalJsonError(`${where}: string contains a lone surrogate`);
  }
  return JSON.stringify(text);
}

function serialise(value: unknown, where: string, ancestors: Set<object>): string {
  if (value === null || typeof value === "boolean") {
    return String(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new CanonicalJsonError(`${where}: ${value} is not a JSON number`);
    }
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    return stringLiteral(value, where);
  }
  if (typeof value !== "object" || !(Array.isArray(value) || isPlainObject(value))) {
    throw new CanonicalJsonError(`${where}: ${typeof value} has no JSON form`);
  }
  if (ancestors.has(value)) {
    throw new CanonicalJsonError(`${where}: cyclic structure`);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      // Array.from visits holes (as undefined, which is rejected); map would skip them.
      const items = Array.from(value, (item: unknown, i) =>
        serialise(item, `${where}[${i}]`, ancestors),
      );
      return `[${items.join(",")}]`;
    }
    const members: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const member: unknown = Reflect.get(value, key);
      // Like JSON.stringify, an undefined property is absent (lets optional fields stay optional).
      if (member !== undefined) {
        const path = `${where}.${key}`;
        members.push(`${stringLiteral(key, path)}:${serialise(member, path, ancestors)}`);
      }
    }
    return `{${members.join(",")}}`;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * Serialises `value` canonically. Accepts null, booleans, finite numbers, well-formed strings,
 * arrays and plain objects (undefined properties are omitted); throws {@link CanonicalJsonError}
 * for anything else (NaN, Infinity, bigint, undefined in arrays, class instances, lone surrogates).
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, "$", new Set());
}

/** {@link canonicalJson} encoded as UTF-8 bytes. */
export function canonicalJsonBytes(value: unknown): Uint8Array<ArrayBuffer> {
  return utf8Encode(canonicalJson(value));
}
