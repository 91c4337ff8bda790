import { describe, expect, it } from "vitest";
import {
  CanonicalJsonError,
  canonicalJson,
  canonicalJsonBytes,
} from "../../../src/bundles/canonical-json";

describe("canonicalJson", () => {
  it("sorts keys recursively and drops whitespace", () => {
    const value = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, "": true };
    expect(canonicalJson(value)).toBe('{"":true,"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("orders keys by UTF-16 code units (RFC 8785)", () => {
    const value = { "\u{1F600}": 1, "\uFF21": 2, a: 3, B: 4, é: 5 };
    expect(canonicalJson(value)).toBe('{"B":4,"a":3,"é":5,"\u{1F600}":1,"\uFF21":2}');
  });

  it("escapes like JSON.stringify and encodes everything else as UTF-8", () => {
    const text = 'quote" backslash\\ nl\n tab\t bell\u0007 del\u007f é € \u{1F600} \u2028';
    expect(canonicalJson(text)).toBe(
      '"quote\\" backslash\\\\ nl\\n tab\\t bell\\u0007 del\u007f é € \u{1F600} \u2028"',
    );
    expect([...canonicalJsonBytes("é€\u{1F600}")]).toEqual([
      0x22, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x22,
    ]);
  });

  it("writes numbers in ECMAScript shortest form", () => {
    expect(
      canonicalJson([0, -0, 1, -1.5, 1e21, 1e-7, 0.1 + 0.2, 123456789012345680000, 5e-324]),
    ).toBe("[0,0,1,-1.5,1e+21,1e-7,0.30000000000000004,123456789012345680000,5e-324]");
  });

  it("omits undefined properties but rejects values without a JSON form", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const sparse: unknown[] = [1];
    sparse[2] = 3;
    for (const bad of [
      NaN,
      Infinity,
      10n,
      [undefined],
      sparse,
      new Date(0),
      new Map(),
      "\ud800",
      { "\udc00": 1 },
      cyclic,
      () => 1,
    ]) {
      expect(() => canonicalJson(bad)).toThrow(CanonicalJsonError);
    }
  });

  it("equals JSON.stringify for sorted, non-nested input and parses back", () => {
    const value = { a: "x", b: [1, 2, { c: "é" }], d: false };
    const text = canonicalJson(value);
    expect(text).toBe(JSON.stringify(value));
    expect(JSON.parse(text)).toEqual(value);
  });
});
