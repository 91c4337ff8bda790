import { describe, expect, it } from "vitest";
import { buildSbom, type SbomComponent } from "../../../src/bundles/sbom";
import { PROJECT_ID, SAMPLE_COMPONENTS } from "./helpers";

const FILES = [
  { path: "zentinel.kdl", sha256: "a".repeat(64) },
  { path: "routes/api.kdl", sha256: "b".repeat(64) },
];

describe("buildSbom", () => {
  it("emits CycloneDX 1.5 with a derived serial number and no timestamp", async () => {
    const { bom, bytes } = await buildSbom({
      projectId: PROJECT_ID,
      components: SAMPLE_COMPONENTS,
      configFiles: FILES,
    });
    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.specVersion).toBe("1.5");
    expect(bom.version).toBe(1);
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const text = new TextDecoder().decode(bytes);
    expect(text).not.toMatch(/timestamp/);
    expect(JSON.parse(text)).toEqual(bom);
    expect(bom.metadata.tools.components[0]?.name).toBe("zentinel-control-plane");
    expect(bom.metadata.component.properties).toContainEqual({
      name: "zentinel:project_id",
      value: PROJECT_ID,
    });
    expect(bom.components.map((c) => c["bom-ref"])).toEqual([
      "zentinel:file:routes/api.kdl",
      "zentinel:file:zentinel.kdl",
      "zentinel:listener:http",
      "zentinel:route:api",
      "zentinel:upstream:backend",
    ]);
    expect(bom.components[1]?.hashes).toEqual([{ alg: "SHA-256", content: "a".repeat(64) }]);
    expect(bom.components[3]?.properties).toEqual([
      { name: "zentinel:kind", value: "route" },
      { name: "zentinel:config:path-prefix", value: "/api" },
      { name: "zentinel:config:upstream", value: "backend" },
    ]);
    expect(bom.dependencies[0]?.dependsOn).toHaveLength(5);
  });

  it("is byte-identical regardless of input order", async () => {
    const a = await buildSbom({
      projectId: PROJECT_ID,
      components: SAMPLE_COMPONENTS,
      configFiles: FILES,
    });
    const reordered = [...SAMPLE_COMPONENTS].reverse().map((c) => ({
      ...c,
      properties: Object.fromEntries(Object.entries(c.properties).reverse()),
    }));
    const b = await buildSbom({
      projectId: PROJECT_ID,
      components: reordered,
      configFiles: [...FILES].reverse(),
    });
    expect(b.bytes).toEqual(a.bytes);
  });

  it("changes the serial number when any input changes", async () => {
    const base = await buildSbom({
      projectId: PROJECT_ID,
      components: SAMPLE_COMPONENTS,
      configFiles: FILES,
    });
    const variants = await Promise.all([
      buildSbom({ projectId: "other", components: SAMPLE_COMPONENTS, configFiles: FILES }),
      buildSbom({
        projectId: PROJECT_ID,
        components: SAMPLE_COMPONENTS.slice(1),
        configFiles: FILES,
      }),
      buildSbom({
        projectId: PROJECT_ID,
        components: SAMPLE_COMPONENTS,
        configFiles: FILES.slice(1),
      }),
      buildSbom({
        projectId: PROJECT_ID,
        components: [
          { ...SAMPLE_COMPONENTS[0], properties: { address: "0.0.0.0:8081" } } as SbomComponent,
        ],
        configFiles: FILES,
      }),
    ]);
    const serials = new Set([base, ...variants].map((v) => v.bom.serialNumber));
    expect(serials.size).toBe(5);
  });

  it("gives duplicate type/name pairs distinct stable bom-refs", async () => {
    const dup: SbomComponent[] = [
      { type: "route", name: "r", properties: { ns: "b" } },
      { type: "route", name: "r", properties: { ns: "a" } },
      { type: "route", name: "r#2", properties: {} },
    ];
    const { bom } = await buildSbom({ projectId: PROJECT_ID, components: dup, configFiles: [] });
    const refs = bom.components.map((c) => c["bom-ref"]);
    expect(new Set(refs).size).toBe(3);
    expect(refs).toContain("zentinel:route:r");
    const again = await buildSbom({
      projectId: PROJECT_ID,
      components: [...dup].reverse(),
      configFiles: [],
    });
    expect(again.bom.components).toEqual(bom.components);
  });

  it("maps agents and plugins to CycloneDX types", async () => {
    const { bom } = await buildSbom({
      projectId: PROJECT_ID,
      components: [
        { type: "agent", name: "waf", properties: {} },
        { type: "plugin", name: "p", properties: {} },
        { type: "namespace", name: "n", properties: {} },
      ],
      configFiles: [],
    });
    expect(bom.components.map((c) => c.type)).toEqual(["application", "data", "library"]);
  });
});
