import { describe, expect, it } from "vitest";
import {
  emailDomain,
  emailDomainAllowed,
  groupsFromClaim,
  resolveSsoRole,
  safeReturnTo,
} from "../../../src/domain/sso";

describe("resolveSsoRole", () => {
  const mappings = [
    { group: "readers", role: "reader" as const },
    { group: "ops", role: "operator" as const },
    { group: "admins", role: "admin" as const },
  ];
  it("takes the most powerful mapped role, whatever the order", () => {
    expect(resolveSsoRole(["readers", "admins", "ops"], mappings, null)).toBe("admin");
    expect(resolveSsoRole(["ops", "readers"], mappings, null)).toBe("operator");
    expect(resolveSsoRole(["readers"], mappings, "operator")).toBe("reader");
  });
  it("falls back to the default role, else no access", () => {
    expect(resolveSsoRole(["marketing"], mappings, "reader")).toBe("reader");
    expect(resolveSsoRole(["marketing"], mappings, null)).toBeNull();
    expect(resolveSsoRole([], [], null)).toBeNull();
  });
  it("compares group names exactly", () => {
    expect(resolveSsoRole(["Admins", "admins "], mappings, null)).toBeNull();
  });
});

describe("email domains", () => {
  it("extracts the lower-cased domain", () => {
    expect(emailDomain("Ada@Example.COM")).toBe("example.com");
    expect(emailDomain("no-at-sign")).toBeNull();
    expect(emailDomain("@example.com")).toBeNull();
    expect(emailDomain("ada@")).toBeNull();
  });
  it("allows any domain when none is listed, else only the listed ones", () => {
    expect(emailDomainAllowed("a@x.io", [])).toBe(true);
    expect(emailDomainAllowed("a@x.io", ["example.com"])).toBe(false);
    expect(emailDomainAllowed("a@sub.example.com", ["example.com"])).toBe(false);
    expect(emailDomainAllowed("a@EXAMPLE.com", ["example.com"])).toBe(true);
    expect(emailDomainAllowed("broken", [])).toBe(false);
  });
});

describe("groupsFromClaim", () => {
  it("reads arrays, single strings and flattened lists; ignores the rest", () => {
    expect(groupsFromClaim(["a", 3, "", "b"])).toEqual(["a", "b"]);
    expect(groupsFromClaim("a")).toEqual(["a"]);
    expect(groupsFromClaim("a b,c")).toEqual(["a", "b", "c"]);
    expect(groupsFromClaim(undefined)).toEqual([]);
    expect(groupsFromClaim({ a: 1 })).toEqual([]);
  });
});

describe("safeReturnTo", () => {
  it("keeps same-origin paths", () => {
    expect(safeReturnTo("/projects/demo?tab=nodes#x")).toBe("/projects/demo?tab=nodes#x");
  });
  it("refuses everything that could leave the origin", () => {
    for (const bad of [
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "evil",
      "/\u0000x",
      "/\nx",
      `/${"a".repeat(600)}`,
      "",
      null,
      undefined,
    ]) {
      expect(safeReturnTo(bad), String(bad)).toBe("/");
    }
  });
});
