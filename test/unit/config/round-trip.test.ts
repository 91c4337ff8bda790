/**
 * The proof of the generator: every valid fixture config, imported into the model and
 * generated again, passes the validator and has the same parsed semantic model as the original.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateConfig } from "../../../src/domain/config/generate";
import { importConfig } from "../../../src/domain/config/import";
import { modelOfEntities } from "../../../src/domain/config/plan-model";
import { validateConfig } from "../../../src/kdl/index";

const root = join(import.meta.dirname, "../../fixtures/zentinel-examples");
const expectations = JSON.parse(readFileSync(join(root, "expectations.json"), "utf8")) as {
  files: Record<string, { expected: "pass" | "fail" }>;
};
const valid = Object.entries(expectations.files)
  .filter(([, e]) => e.expected === "pass")
  .map(([path]) => path);

describe("round trip: import → generate → validate", () => {
  it("covers every valid fixture", () => {
    expect(valid.length).toBeGreaterThanOrEqual(19);
  });

  for (const path of valid) {
    it(path, async () => {
      const text = readFileSync(join(root, path), "utf8");
      const original = validateConfig({ entry: "zentinel.kdl", files: { "zentinel.kdl": text } });
      expect(original.errors).toEqual([]);
      const plan = importConfig({ "zentinel.kdl": text });
      expect(plan.errors).toEqual([]);
      const generated = await generateConfig(modelOfEntities(plan.entities));
      expect(generated.problems).toEqual([]);
      const result = validateConfig({
        entry: "zentinel.kdl",
        files: { "zentinel.kdl": generated.text },
      });
      expect(result.errors).toEqual([]);
      expect(result.model).toEqual(original.model);
      // Canonical: generating from the regenerated text's import gives the same bytes.
      const again = await generateConfig(
        modelOfEntities(importConfig({ "zentinel.kdl": generated.text }).entities),
      );
      expect(again.text).toBe(generated.text);
    });
  }
});
