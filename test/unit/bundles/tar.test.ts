import { describe, expect, it } from "vitest";
import { readTar, TarError, writeTar } from "../../../src/bundles/tar";
import { editHeader, setName } from "./helpers";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const ascii = (b: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...b.subarray(from, to));

describe("writeTar", () => {
  it("writes ustar headers with fixed metadata and a valid checksum", () => {
    const tar = writeTar([{ path: "zentinel.kdl", data: enc("hello\n") }]);
    expect(tar.byteLength).toBe(512 + 512 + 1024);
    expect(ascii(tar, 0, 12)).toBe("zentinel.kdl");
    expect(ascii(tar, 100, 108)).toBe("0000644\0");
    expect(ascii(tar, 108, 124)).toBe("0000000\u00000000000\0");
    expect(ascii(tar, 124, 136)).toBe("00000000006\0");
    expect(ascii(tar, 136, 148)).toBe("00000000000\0");
    expect(ascii(tar, 156, 157)).toBe("0");
    expect(ascii(tar, 257, 265)).toBe("ustar\u000000");
    expect(tar.subarray(265, 329).every((b) => b === 0)).toBe(true);
    let sum = 0;
    tar.subarray(0, 512).forEach((b, i) => {
      sum += i >= 148 && i < 156 ? 32 : b;
    });
    expect(Number.parseInt(ascii(tar, 148, 154), 8)).toBe(sum);
    expect(dec(tar.subarray(512, 518))).toBe("hello\n");
    expect(tar.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it("sorts entries bytewise by UTF-8 path", () => {
    const paths = ["b.kdl", "a/z.kdl", "A.kdl", "\u{1F600}.kdl", "\uFF21.kdl", "a.kdl"];
    const tar = writeTar(paths.map((path) => ({ path, data: enc(path) })));
    // UTF-8 order puts U+FF21 (EF BC A1) before U+1F600 (F0 9F 98 80); UTF-16 order would not.
    expect(readTar(tar).map((e) => e.path)).toEqual([
      "A.kdl",
      "a.kdl",
      "a/z.kdl",
      "b.kdl",
      "\uFF21.kdl",
      "\u{1F600}.kdl",
    ]);
  });

  it("uses the prefix field for paths longer than 100 bytes and reads them back", () => {
    const path = `${"d".repeat(60)}/${"e".repeat(60)}/${"f".repeat(90)}.kdl`;
    const tar = writeTar([{ path, data: enc("x") }]);
    expect(ascii(tar, 345, 345 + 121)).toBe(`${"d".repeat(60)}/${"e".repeat(60)}`);
    expect(readTar(tar)[0]?.path).toBe(path);
  });

  it("writes a 100-byte name without a terminator", () => {
    const path = `${"n".repeat(96)}.kdl`;
    expect(readTar(writeTar([{ path, data: enc("") }]))[0]?.path).toBe(path);
  });

  it("refuses paths that cannot fit, invalid paths and duplicates", () => {
    const noSlash = `${"x".repeat(101)}.kdl`;
    const longName = `dir/${"y".repeat(101)}.kdl`;
    const longPrefix = `${"p".repeat(156)}/z.kdl`;
    for (const path of [noSlash, longName, longPrefix]) {
      expect(() => writeTar([{ path, data: enc("") }])).toThrow(/does not fit/);
    }
    for (const path of ["/etc/passwd", "../x", "a/../b", "a//b", "./a", "a/", "", "a\\b", "a\nb"]) {
      expect(() => writeTar([{ path, data: enc("") }])).toThrow(TarError);
    }
    expect(() =>
      writeTar([
        { path: "a.kdl", data: enc("1") },
        { path: "a.kdl", data: enc("2") },
      ]),
    ).toThrow(/duplicate/);
  });

  it("pads data to 512-byte blocks and round-trips binary content", () => {
    const data = Uint8Array.from({ length: 1500 }, (_, i) => (i * 37) % 256);
    const tar = writeTar([
      { path: "bin.kdl", data },
      { path: "empty.kdl", data: new Uint8Array(0) },
    ]);
    expect(tar.byteLength).toBe(512 + 1536 + 512 + 1024);
    const entries = readTar(tar);
    expect(entries[0]?.data).toEqual(data);
    expect(entries[1]?.data.byteLength).toBe(0);
  });
});

describe("readTar rejects", () => {
  const base = () =>
    writeTar([
      { path: "a.kdl", data: enc("alpha\n") },
      { path: "b.kdl", data: enc("beta\n") },
    ]);

  it.each([
    ["absolute path", "/etc/passwd", /absolute/],
    ["parent component", "../x", /'\.\.'/],
    ["nested parent component", "a/../../x", /'\.\.'/],
    ["dot component", "./a.kdl", /'\.'/],
  ])("%s", (_label, name, pattern) => {
    const tar = editHeader(base(), 1, (h) => setName(h, name));
    expect(() => readTar(tar)).toThrow(pattern);
  });

  it.each([
    ["1", /hard link/],
    ["2", /symbolic link/],
    ["5", /directory/],
    ["x", /pax extended header/],
    ["L", /GNU long name/],
  ])("entry type %s", (type, pattern) => {
    const tar = editHeader(base(), 0, (h) => {
      h[156] = type.charCodeAt(0);
    });
    expect(() => readTar(tar)).toThrow(pattern);
  });

  it("duplicate entries", () => {
    const tar = editHeader(base(), 1, (h) => setName(h, "a.kdl"));
    expect(() => readTar(tar)).toThrow(/duplicate entry: a\.kdl/);
  });

  it("a bad header checksum", () => {
    const tar = base();
    tar[0] = "z".charCodeAt(0);
    expect(() => readTar(tar)).toThrow(/checksum/);
  });

  it("non-ustar magic", () => {
    const tar = editHeader(base(), 0, (h) => h.set(enc("ustar  \0"), 257));
    expect(() => readTar(tar)).toThrow(/magic|version/);
  });

  it("truncated archives", () => {
    const tar = base();
    expect(() => readTar(tar.subarray(0, 100))).toThrow(/truncated/);
    expect(() => readTar(tar.subarray(0, 512))).toThrow(/truncated/);
    expect(() => readTar(tar.subarray(0, tar.length - 1024))).toThrow(/end-of-archive/);
    expect(() => readTar(tar.subarray(0, tar.length - 512))).toThrow(/only one/);
    const oversized = editHeader(base(), 1, (h) => h.set(enc("00000077777\0"), 124));
    expect(() => readTar(oversized)).toThrow(/runs past the end/);
  });

  it("data after the end-of-archive marker", () => {
    const tar = new Uint8Array(base().length + 512);
    tar.set(base());
    tar[tar.length - 1] = 1;
    expect(() => readTar(tar)).toThrow(/after an end-of-archive/);
  });

  it("accepts zero padding after the marker (10 KiB records from other tars)", () => {
    const tar = new Uint8Array(10240);
    tar.set(base());
    expect(readTar(tar).map((e) => e.path)).toEqual(["a.kdl", "b.kdl"]);
  });
});
