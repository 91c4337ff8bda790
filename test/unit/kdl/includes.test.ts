import { describe, expect, it } from "vitest";
import { validateConfig } from "../../../src/kdl/index.js";
import {
  BASE_LISTENERS,
  BASE_ROUTES,
  BASE_SYSTEM,
  BASE_UPSTREAMS,
  messages,
  validateFiles,
} from "./helpers.js";

describe("include expansion", () => {
  it("splices sorted glob matches at the include position, relative to the including file", () => {
    const result = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}include "conf/*.kdl"\n`,
      "conf/b-routes.kdl": `${BASE_ROUTES}include "../shared/upstreams.kdl"\n`,
      "conf/a-listeners.kdl": BASE_LISTENERS,
      "shared/upstreams.kdl": BASE_UPSTREAMS,
      "unused.kdl": "this is not { valid",
    });
    expect(result.errors).toEqual([]);
    expect(result.includedFiles).toEqual([
      "conf/a-listeners.kdl",
      "conf/b-routes.kdl",
      "shared/upstreams.kdl",
      "zentinel.kdl",
    ]);
    expect(result.model?.routes.map((route) => route.upstream)).toEqual(["backend"]);
  });

  it("supports ** and ? in patterns", () => {
    const result = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}include "parts/**/*.kdl"\ninclude "r?.kdl"\n`,
      "parts/listeners.kdl": BASE_LISTENERS,
      "parts/deep/er/upstreams.kdl": BASE_UPSTREAMS,
      "r1.kdl": BASE_ROUTES,
    });
    expect(result.errors).toEqual([]);
    expect(result.includedFiles).toHaveLength(4);
  });

  it("rejects a circular include with the proxy's message, at the include node", () => {
    const result = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}${BASE_LISTENERS}include "a.kdl"\n`,
      "a.kdl": `${BASE_UPSTREAMS}include "b.kdl"\n`,
      "b.kdl": `${BASE_ROUTES}include "a.kdl"\n`,
    });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      {
        file: "b.kdl",
        line: 9,
        column: 1,
        message: "Circular include detected: 'a.kdl' has already been included",
        rule: "include-circular",
      },
    ]);
    expect(result.model).toBeNull();
  });

  it("rejects a diamond (the visited set is never cleared) and a self-include through a glob", () => {
    const diamond = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}${BASE_LISTENERS}include "a.kdl"\ninclude "b.kdl"\n`,
      "a.kdl": 'include "shared.kdl"\n',
      "b.kdl": 'include "shared.kdl"\n',
      "shared.kdl": BASE_UPSTREAMS,
    });
    expect(messages(diamond)).toEqual([
      "Circular include detected: 'shared.kdl' has already been included",
    ]);
    const self = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}include "*.kdl"\n`,
      "x.kdl": BASE_LISTENERS,
    });
    expect(messages(self)).toEqual([
      "Circular include detected: 'zentinel.kdl' has already been included",
    ]);
  });

  it("reports a missing literal include as an error and an empty glob as a warning", () => {
    const missing = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}${BASE_LISTENERS}include "routes/api.kdl"\n`,
    });
    expect(missing.errors).toEqual([
      {
        file: "zentinel.kdl",
        line: 10,
        column: 1,
        message:
          "Failed to read included config file 'routes/api.kdl' (included from 'zentinel.kdl')",
        rule: "include-missing",
      },
    ]);
    const empty = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}${BASE_LISTENERS}include "custom/*.kdl"\n`,
    });
    expect(empty.errors).toEqual([]);
    expect(empty.warnings[0]).toMatchObject({
      message: "Include pattern matched no files",
      rule: "include-no-match",
      line: 10,
    });
  });

  it("rejects a malformed glob pattern", () => {
    const result = validateFiles({ "zentinel.kdl": 'include "routes/a**.kdl"\n' });
    expect(messages(result)).toEqual(["Invalid glob pattern 'routes/a**.kdl' in zentinel.kdl"]);
  });

  it("requires a string argument", () => {
    const result = validateFiles({ "zentinel.kdl": "include 42\n" });
    expect(messages(result)).toEqual([
      "The 'include' directive requires a string argument, e.g.: include \"routes/*.kdl\"\nFound in: zentinel.kdl",
    ]);
  });

  it("names the included file in its syntax error and points at the bad token", () => {
    const result = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}include "routes/*.kdl"\ninclude "more.kdl"\n`,
      "routes/bad.kdl": 'routes {\n    route "x" {\n        websocket true\n    }\n}\n',
      "more.kdl": "listeners [\n",
    });
    expect(result.errors.map(({ detail: _detail, ...rest }) => rest)).toEqual([
      {
        file: "routes/bad.kdl",
        line: 3,
        column: 19,
        message: "KDL parse error in 'routes/bad.kdl': Failed to parse KDL document",
        rule: "kdl-syntax",
      },
      {
        file: "more.kdl",
        line: 1,
        column: 11,
        message: "KDL parse error in 'more.kdl': Failed to parse KDL document",
        rule: "kdl-syntax",
      },
    ]);
    expect(result.errors[0]?.detail).toContain("true");
    expect(result.includedFiles).toEqual(["more.kdl", "routes/bad.kdl", "zentinel.kdl"]);
  });

  it("reports a missing entry file", () => {
    const result = validateConfig({ entry: "zentinel.kdl", files: {} });
    expect(messages(result)).toEqual(['Failed to read config file: "zentinel.kdl"']);
  });

  it("warns about patterns that leave the bundle instead of failing", () => {
    const result = validateFiles({
      "zentinel.kdl": `${BASE_SYSTEM}${BASE_LISTENERS}include "/etc/zentinel/extra/*.kdl"\ninclude "../outside.kdl"\n`,
    });
    expect(result.errors).toEqual([]);
    expect(
      result.warnings.filter((warning) => warning.rule === "include-outside-bundle"),
    ).toHaveLength(2);
  });
});
