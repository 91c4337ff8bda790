/**
 * CycloneDX 1.5 SBOM of a bundle (sbom.cdx.json), fully deterministic: no timestamp, no tool
 * version, components in a total order, bom-refs derived from content, serialised with canonical
 * JSON. The serial number is a UUIDv5 (RFC 9562) whose name is the SHA-256 of the canonical inputs,
 * so it satisfies CycloneDX's `urn:uuid` pattern and changes exactly when the inputs change.
 *
 * CycloneDX types: config elements (listener, route, upstream, filter, namespace) are `data`,
 * agents are `application` (separate processes), plugins are `library`, config files are `file`
 * with a SHA-256 hash. The Zentinel kind and the element's properties are CycloneDX properties
 * (`zentinel:kind`, `zentinel:config:<key>`).
 */
import { compareUtf8, concatBytes, sha256Hex, toHex, utf8Encode } from "./bytes";
import { canonicalJson, canonicalJsonBytes } from "./canonical-json";
import { BUNDLE_ENTRYPOINT } from "./manifest";

/** Kinds of configuration elements recorded in the SBOM. */
export const SBOM_COMPONENT_TYPES = [
  "listener",
  "route",
  "upstream",
  "agent",
  "filter",
  "plugin",
  "namespace",
] as const;

/** One of {@link SBOM_COMPONENT_TYPES}. */
export type SbomComponentType = (typeof SBOM_COMPONENT_TYPES)[number];

/** A configuration element extracted from the parsed config. */
export type SbomComponent = {
  type: SbomComponentType;
  name: string;
  properties: Record<string, string>;
};

/** Inputs of {@link buildSbom}. */
export type SbomInput = {
  projectId: string;
  components: readonly SbomComponent[];
  /** The bundle's config files with their SHA-256 (lowercase hex). */
  configFiles: ReadonlyArray<{ path: string; sha256: string }>;
};

type CdxProperty = { name: string; value: string };
type CdxComponent = {
  "bom-ref": string;
  type: "application" | "library" | "data" | "file";
  name: string;
  hashes?: Array<{ alg: "SHA-256"; content: string }>;
  properties?: CdxProperty[];
};

/** The CycloneDX 1.5 document this module emits. */
export type CycloneDxBom = {
  $schema: string;
  bomFormat: "CycloneDX";
  specVersion: "1.5";
  serialNumber: string;
  version: 1;
  metadata: {
    tools: { components: Array<{ type: "application"; group: string; name: string }> };
    component: CdxComponent & { description: string };
  };
  components: CdxComponent[];
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
};

/** Name of the generating tool in `metadata.tools`. */
export const SBOM_TOOL_NAME = "zentinel-control-plane";
const BUNDLE_REF = "zentinel:bundle";
/** Fixed UUIDv5 namespace for Zentinel SBOM serial numbers (random, never change it). */
const SERIAL_NAMESPACE = "0afa4aac-029b-46ee-a8e0-deac0c06be63";

const CDX_TYPE: Record<SbomComponentType, CdxComponent["type"]> = {
  listener: "data",
  route: "data",
  upstream: "data",
  filter: "data",
  namespace: "data",
  agent: "application",
  plugin: "library",
};

function property(name: string, value: string): CdxProperty {
  return { name, value };
}

function sortedProperties(properties: Record<string, string>): CdxProperty[] {
  return Object.keys(properties)
    .sort(compareUtf8)
    .map((key) => property(`zentinel:config:${key}`, properties[key] ?? ""));
}

/** RFC 9562 UUIDv5: SHA-1(namespace || name), version 5, variant 10. */
async function uuidV5(namespace: string, name: string): Promise<string> {
  const ns = Uint8Array.from(namespace.replace(/-/g, "").match(/../g) ?? [], (h) =>
    Number.parseInt(h, 16),
  );
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-1", concatBytes([ns, utf8Encode(name)])),
  ).slice(0, 16);
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x50;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  const hex = toHex(digest);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function elementComponents(components: readonly SbomComponent[]): CdxComponent[] {
  const keyed = components.map((c) => {
    if (!SBOM_COMPONENT_TYPES.includes(c.type)) {
      throw new TypeError(`unknown SBOM component type ${JSON.stringify(c.type)}`);
    }
    return { c, key: canonicalJson([c.type, c.name, c.properties]) };
  });
  keyed.sort((a, b) => compareUtf8(a.key, b.key));
  const used = new Set<string>();
  return keyed.map(({ c }) => {
    // Same type and name twice (e.g. in two namespaces): numbered in the total order above.
    const base = `zentinel:${c.type}:${c.name}`;
    let ref = base;
    for (let n = 2; used.has(ref); n++) {
      ref = `${base}#${n}`;
    }
    used.add(ref);
    return {
      "bom-ref": ref,
      type: CDX_TYPE[c.type],
      name: c.name,
      properties: [property("zentinel:kind", c.type), ...sortedProperties(c.properties)],
    };
  });
}

function fileComponents(files: SbomInput["configFiles"]): CdxComponent[] {
  return [...files]
    .sort((a, b) => compareUtf8(a.path, b.path))
    .map((f) => ({
      "bom-ref": `zentinel:file:${f.path}`,
      type: "file",
      name: f.path,
      hashes: [{ alg: "SHA-256", content: f.sha256 }],
    }));
}

/** Builds the SBOM object and its canonical-JSON bytes. Same inputs → same bytes. */
export async function buildSbom(
  input: SbomInput,
): Promise<{ bom: CycloneDxBom; bytes: Uint8Array<ArrayBuffer> }> {
  const components = [...fileComponents(input.configFiles), ...elementComponents(input.components)];
  const inputsDigest = await sha256Hex(
    canonicalJsonBytes({ components, project_id: input.projectId }),
  );
  const bom: CycloneDxBom = {
    $schema: "http://cyclonedx.org/schema/bom-1.5.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${await uuidV5(SERIAL_NAMESPACE, inputsDigest)}`,
    version: 1,
    metadata: {
      tools: { components: [{ type: "application", group: "zentinel", name: SBOM_TOOL_NAME }] },
      component: {
        "bom-ref": BUNDLE_REF,
        type: "data",
        name: `zentinel-bundle-${input.projectId}`,
        description: "Zentinel proxy configuration bundle",
        properties: [
          property("zentinel:entrypoint", BUNDLE_ENTRYPOINT),
          property("zentinel:project_id", input.projectId),
        ],
      },
    },
    components,
    dependencies: [{ ref: BUNDLE_REF, dependsOn: components.map((c) => c["bom-ref"]) }],
  };
  return { bom, bytes: canonicalJsonBytes(bom) };
}
