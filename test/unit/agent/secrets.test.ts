import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { needsSecrets, pruneSecretFiles, writeSecretFiles } from "../../../scripts/agent/secrets";
import { generateConfig } from "../../../src/domain/config/generate";
import { pluginSpec, systemSpec } from "../../../src/domain/config/specs";
import { tempDir } from "./helpers";

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

const enc = (s: string) => new TextEncoder().encode(s);

describe("agent secret files", () => {
  it("recognises the generator's marker and nothing else", async () => {
    const base = {
      system: systemSpec.parse({}),
      listeners: [],
      services: [],
      upstreamGroups: [],
      middlewares: [],
      authPolicies: [],
      wafPolicies: [],
      certificates: [],
    };
    const transport = { type: "grpc", address: "http://127.0.0.1:1" };
    const withSecret = await generateConfig({
      ...base,
      plugins: [
        { name: "p", spec: pluginSpec.parse({ transport, config: { k: { secret: "s" } } }) },
      ],
      secrets: [{ name: "s", version: 1, id: "i" }],
    });
    const without = await generateConfig({ ...base, plugins: [], secrets: [] });
    expect(needsSecrets(enc(withSecret.text))).toBe(true);
    expect(needsSecrets(enc(without.text))).toBe(false);
    expect(needsSecrets(enc('system {}\nx "// secret-versions: sha256:"\n'))).toBe(false);
    expect(needsSecrets(undefined)).toBe(false);
  });

  it("writes 0600 files in a 0700 directory and replaces them on rotation", async () => {
    const dir = join(tmp.dir, "state", "secrets");
    await writeSecretFiles(dir, [
      { path: "db-password", content: "one" },
      { path: "cert-www.key", content: "KEY" },
    ]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ["db-password", "cert-www.key"]) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    await writeSecretFiles(dir, [{ path: "db-password", content: "two" }]);
    expect(readFileSync(join(dir, "db-password"), "utf8")).toBe("two");
  });

  it("prunes files the new bundle no longer references and keeps the rest", async () => {
    const dir = join(tmp.dir, "state", "secrets");
    expect(await pruneSecretFiles(dir, [])).toEqual([]);
    await writeSecretFiles(dir, [
      { path: "db-password", content: "one" },
      { path: "cert-www.key", content: "KEY" },
    ]);
    const kept = await writeSecretFiles(dir, [{ path: "db-password", content: "two" }]);
    expect(await pruneSecretFiles(dir, kept)).toEqual(["cert-www.key"]);
    expect(existsSync(join(dir, "cert-www.key"))).toBe(false);
    expect(readFileSync(join(dir, "db-password"), "utf8")).toBe("two");
    expect(statSync(join(dir, "db-password")).mode & 0o777).toBe(0o600);
    // A bundle with no secrets leaves none behind.
    expect(await pruneSecretFiles(dir, [])).toEqual(["db-password"]);
    expect(existsSync(join(dir, "db-password"))).toBe(false);
  });

  it("refuses names that could escape the directory, writing nothing", async () => {
    const dir = join(tmp.dir, "secrets");
    for (const path of ["../x", "a/b", "/etc/passwd", "..", ".hidden", ""]) {
      await expect(
        writeSecretFiles(dir, [
          { path: "ok", content: "1" },
          { path, content: "x" },
        ]),
      ).rejects.toThrow(/refusing/);
    }
    expect(existsSync(join(dir, "ok"))).toBe(false);
  });
});
