/**
 * OpenAPI-driven fuzzing (issue 17): every operation in /api/v1/openapi.json that takes a body
 * is called with valid credentials and generated bad bodies — malformed JSON, non-JSON content
 * types, wrong types per the operation's own schema, lone surrogates, NUL characters, 1 MB
 * strings, deep nesting, non-finite and out-of-range numbers. Every answer must be a 4xx in the
 * standard envelope (never 5xx, never 2xx) and the database must be exactly as before.
 *
 * Operations are enumerated from the document, so a route added later is fuzzed without
 * touching this file. Generation is seeded (fast-check), so a failure reproduces.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { SCOPES } from "../../src/auth/scopes";
import { changedTables, dbSnapshot } from "./db-snapshot";
import {
  createCompiledBundle,
  createEnrollmentToken,
  nodeKeyHeaders,
  registerNode,
} from "./fixtures";
import { type CallResult, call, createApiKey, createTenant, type Tenant } from "./harness";

/** Seed of every run; change it to explore, keep it fixed in CI so failures reproduce. */
const SEED = 1717;
/**
 * Bodies per operation: one of each universal kind (6), the rest from the operation's schema.
 * Kept small so the whole run stays around a minute on a 2-core machine.
 */
const RUNS_PER_OPERATION = 10;
const BODY_METHODS = new Set(["post", "put", "patch", "delete"]);
const ONE_MB = 1_000_000;

type Schema = Record<string, unknown>;
interface Operation {
  security?: Array<Record<string, string[]>>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One generated request body: raw text, its content type and what kind of bad it is. */
interface BadBody {
  kind: string;
  text: string;
  contentType: string;
}

let doc: OpenApiDoc;
let tenant: Tenant;
let nodeId: string;
let nodeKey: string;
let bundleId: string;
let enrollmentToken: string;

function resolve(s: unknown): Schema | undefined {
  let schema = s as Schema | undefined;
  for (let i = 0; schema && typeof schema.$ref === "string" && i < 10; i++) {
    const name = schema.$ref.split("/").pop() ?? "";
    schema = doc.components?.schemas?.[name];
  }
  return schema;
}

type JsonType = "string" | "number" | "integer" | "boolean" | "array" | "object" | "null";

/** The JSON types a schema admits, or null when it admits anything (or cannot be told). */
function admittedTypes(s: unknown): Set<JsonType> | null {
  const schema = resolve(s);
  if (!schema) {
    return null;
  }
  const out = new Set<JsonType>();
  const add = (t: unknown) => {
    for (const x of Array.isArray(t) ? t : [t]) {
      out.add(x as JsonType);
      if (x === "integer") {
        out.add("number");
      }
      if (x === "number") {
        out.add("integer");
      }
    }
  };
  if (schema.type !== undefined) {
    add(schema.type);
  } else if (Array.isArray(schema.enum)) {
    for (const v of schema.enum) {
      add(v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
    }
  } else if (schema.const !== undefined) {
    add(typeof schema.const);
  } else {
    const parts = (schema.anyOf ?? schema.oneOf ?? schema.allOf) as unknown[] | undefined;
    if (!parts) {
      return null;
    }
    for (const p of parts) {
      const inner = admittedTypes(p);
      if (inner === null) {
        return null;
      }
      for (const t of inner) {
        out.add(t);
      }
    }
  }
  if (schema.nullable === true) {
    out.add("null");
  }
  return out.size > 0 ? out : null;
}

/** Top-level properties of an object body schema, with their schemas. */
function propertiesOf(schema: Schema | undefined): Array<[string, Schema]> {
  const s = resolve(schema);
  if (!s) {
    return [];
  }
  const own = Object.entries((s.properties ?? {}) as Record<string, Schema>);
  const parts = ((s.allOf ?? s.anyOf ?? s.oneOf ?? []) as unknown[]).flatMap((p) =>
    propertiesOf(p as Schema),
  );
  return [...own, ...parts];
}

/** A JSON value of each type, to send where the schema admits other types only. */
const VALUE_OF: Record<Exclude<JsonType, "integer" | "null">, string> = {
  string: '"a string where none belongs"',
  number: "12345",
  boolean: "true",
  array: "[1]",
  object: '{"x":1}',
};

const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
const obj = (entries: Array<[string, string]>) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;

/** Bad bodies any route must refuse, whatever its schema (the JSON guard's cases), by kind. */
function universalKinds(names: string[]): fc.Arbitrary<BadBody>[] {
  const json = "application/json";
  const name = fc.constantFrom(...(names.length > 0 ? names : ["name"]));
  const malformed = fc.oneof(
    fc.constantFrom('{"a":', "[1,]", '{"a" 1}', "nul", "{'a':1}", '"open', "{}}", "\u0000"),
    fc.string({ minLength: 1 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
  );
  return [
    malformed.map((text) => ({ kind: "malformed JSON", text, contentType: json })),
    fc
      .constantFrom("text/plain", "application/x-www-form-urlencoded", "application/xml")
      .map((contentType) => ({ kind: "non-JSON content type", text: "a=b", contentType })),
    fc.integer({ min: 33, max: 10_000 }).map((n) => ({
      kind: "deep nesting",
      text: obj([["x", nested(n)]]),
      contentType: json,
    })),
    fc
      .tuple(name, fc.string(), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string())
      .map(([key, a, unit, b]) => ({
        kind: "lone surrogate",
        // Well-formed JSON.stringify escapes the unpaired unit as \udXXX.
        text: obj([[key, JSON.stringify(`${a}${String.fromCharCode(unit)}${b}`)]]),
        contentType: json,
      })),
    fc.tuple(name, fc.string()).map(([key, a]) => ({
      kind: "NUL",
      text: obj([[key, JSON.stringify(`${a}\u0000`)]]),
      contentType: json,
    })),
    fc.tuple(name, fc.constantFrom("1e400", "-1e999", "1E+309")).map(([key, n]) => ({
      kind: "non-finite number",
      text: obj([[key, n]]),
      contentType: json,
    })),
  ];
}

/** Bad bodies derived from the operation's own schema: wrong types, huge integers, 1 MB strings. */
function schemaBodies(schema: Schema): fc.Arbitrary<BadBody> | null {
  const json = "application/json";
  const top = admittedTypes(schema);
  const arbs: fc.Arbitrary<BadBody>[] = [];
  if (top?.has("object") && !top.has("array")) {
    arbs.push(
      fc.constantFrom("[]", '"x"', "42", "true").map((text) => ({
        kind: "top-level wrong type",
        text,
        contentType: json,
      })),
    );
  }
  const typed = propertiesOf(schema).flatMap(([key, s]) => {
    const types = admittedTypes(s);
    if (types === null) {
      return [];
    }
    const wrong = (Object.keys(VALUE_OF) as Array<keyof typeof VALUE_OF>).filter(
      (t) => !types.has(t),
    );
    return wrong.map((t) => [key, VALUE_OF[t]] as [string, string]);
  });
  if (typed.length > 0) {
    arbs.push(
      fc.constantFrom(...typed).map(([key, value]) => ({
        kind: `wrong type for ${key}`,
        text: obj([[key, value]]),
        contentType: json,
      })),
    );
  }
  const ints = propertiesOf(schema).filter(([, s]) => resolve(s)?.type === "integer");
  if (ints.length > 0) {
    arbs.push(
      fc
        .tuple(
          fc.constantFrom(...ints.map(([k]) => k)),
          fc.constantFrom("18446744073709551616", "1e300", "-9007199254740993", "0.5"),
        )
        .map(([key, n]) => ({
          kind: `out-of-range integer ${key}`,
          text: obj([[key, n]]),
          contentType: json,
        })),
    );
  }
  // Fields the body's description declares as stored truncated accept long text by contract
  // (node reports: an old agent's long error must not lose the report).
  const description = String(resolve(schema)?.description ?? "");
  const truncated = (key: string) => /truncated/.test(description) && description.includes(key);
  const strings = propertiesOf(schema).filter(([key, s]) => {
    const r = resolve(s);
    return (
      r?.type === "string" &&
      // A field whose stated limit is the body limit carries whole configs by design.
      (typeof r.maxLength !== "number" || r.maxLength < ONE_MB) &&
      !truncated(key)
    );
  });
  if (strings.length > 0) {
    arbs.push(
      fc.constantFrom(...strings.map(([k]) => k)).map((key) => ({
        kind: `1 MB string in ${key}`,
        text: obj([[key, JSON.stringify("x".repeat(ONE_MB))]]),
        contentType: json,
      })),
    );
  }
  return arbs.length > 0 ? fc.oneof(...arbs) : null;
}

/** Credentials for the operation, from its security requirement. */
function credentials(path: string, op: Operation): Record<string, string> {
  const schemes = new Set((op.security ?? []).flatMap((r) => Object.keys(r)));
  if (schemes.has("nodeKey") || schemes.has("nodeJwt") || path.startsWith("/api/v1/nodes/")) {
    return nodeKeyHeaders(nodeKey);
  }
  if (schemes.has("enrollmentToken")) {
    return { "x-zentinel-enrollment-token": enrollmentToken };
  }
  return { authorization: `Bearer ${tenant.adminKey}` };
}

function fillPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    switch (name) {
      case "project":
        return tenant.slug;
      case "node_id":
        return nodeId;
      case "bundle_id":
        return bundleId;
      default:
        return crypto.randomUUID();
    }
  });
}

function problem(res: CallResult, body: BadBody): string | null {
  const what = `${body.kind} (${body.text.slice(0, 60)}) → ${res.status} ${res.text.slice(0, 200)}`;
  if (res.status < 400 || res.status >= 500) {
    return what;
  }
  const err = (res.body as { error?: Record<string, unknown> } | null)?.error;
  if (
    !err ||
    typeof err.code !== "string" ||
    typeof err.message !== "string" ||
    err.request_id !== res.headers.get("x-request-id")
  ) {
    return `no envelope: ${what}`;
  }
  return null;
}

beforeAll(async () => {
  tenant = await createTenant();
  const node = await registerNode(tenant);
  nodeId = node.nodeId;
  nodeKey = node.nodeKey;
  bundleId = (await createCompiledBundle(tenant)).bundleId;
  enrollmentToken = (await createEnrollmentToken(tenant.projectId)).token;
  const res = await call<OpenApiDoc>("GET", "/api/v1/openapi.json");
  doc = res.body;
});

describe("OpenAPI-driven fuzzing of request bodies", () => {
  it("answers every bad body on every operation with a 4xx envelope and changes nothing", {
    timeout: 240_000,
  }, async () => {
    const failures: string[] = [];
    let requests = 0;
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!BODY_METHODS.has(method)) {
          continue;
        }
        operations++;
        const schema = op.requestBody?.content?.["application/json"]?.schema;
        const names = propertiesOf(schema).map(([k]) => k);
        const fromSchema = schema ? schemaBodies(schema) : null;
        const kinds = universalKinds(names);
        // One body of every universal kind, then the rest drawn from the schema's own cases
        // (or from the universal kinds when the operation takes no body).
        const draw = (arb: fc.Arbitrary<BadBody>, n: number, salt: number) =>
          fc.sample(arb, { numRuns: n, seed: SEED + operations * 100 + salt });
        const samples = [
          ...kinds.flatMap((arb, i) => draw(arb, 1, i)),
          ...draw(fromSchema ?? fc.oneof(...kinds), RUNS_PER_OPERATION - kinds.length, 99),
        ];
        // Fresh operator credentials per operation keep the per-key rate limit out of the way.
        tenant.adminKey = await createApiKey({ orgId: tenant.orgId, scopes: [...SCOPES] });
        const before = await dbSnapshot();
        for (const body of samples) {
          const res = await call(method.toUpperCase(), fillPath(path), {
            rawBody: body.text,
            headers: { ...credentials(path, op), "content-type": body.contentType },
          });
          requests++;
          const p = problem(res, body);
          if (p) {
            failures.push(`${method.toUpperCase()} ${path}: ${p}`);
          }
        }
        // A fresh key row was inserted above, before the snapshot: any change is the requests'.
        const changed = changedTables(before, await dbSnapshot());
        if (changed.length > 0) {
          failures.push(`${method.toUpperCase()} ${path}: changed ${changed.join(", ")}`);
        }
      }
    }
    console.info(`openapi fuzz: ${operations} operations, ${requests} requests`);
    expect(operations).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  });
});
