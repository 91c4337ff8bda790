/**
 * Property: every valid model generates a config the embedded validator accepts, the output is
 * deterministic (entity order does not matter), and it never contains a secret's value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateConfig } from "../../../src/domain/config/generate";
import {
  authPolicySpec,
  type ConfigModelInput,
  LOAD_BALANCING,
  listenerSpec,
  METHODS,
  middlewareSpec,
  pluginSpec,
  serviceSpec,
  systemSpec,
  upstreamGroupSpec,
  wafPolicySpec,
} from "../../../src/domain/config/specs";
import { validateConfig } from "../../../src/kdl/index";

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const names = (min: number, max: number) =>
  fc.uniqueArray(name, { minLength: min, maxLength: max });
const pathSeg = fc.stringMatching(/^\/[a-z0-9/_-]{0,12}$/);
const address = fc
  .tuple(
    fc.constantFrom("10.0.0.1", "backend.internal", "[::1]", "127.0.0.1"),
    fc.integer({ min: 1, max: 65_535 }),
  )
  .map(([h, p]) => `${h}:${p}`);

const middleware = fc.oneof(
  fc.constant({ type: "cors" as const, settings: {} }),
  fc.record({
    type: fc.constant("rate-limit" as const),
    settings: fc.record({
      "max-rps": fc.integer({ min: 1, max: 10_000 }),
      burst: fc.integer({ min: 1, max: 100 }),
    }),
  }),
  fc.record({
    type: fc.constant("headers" as const),
    settings: fc.record({
      set: fc.dictionary(fc.stringMatching(/^X-[A-Za-z]{1,8}$/), fc.string({ maxLength: 12 }), {
        minKeys: 1,
        maxKeys: 3,
      }),
      remove: fc.array(fc.stringMatching(/^X-[A-Za-z]{1,8}$/), { minLength: 1, maxLength: 2 }),
    }),
  }),
  fc.record({
    type: fc.constant("compress" as const),
    settings: fc.record({
      algorithms: fc.constantFrom("gzip", "gzip,br"),
      "min-size": fc.integer({ min: 0, max: 4096 }),
    }),
  }),
);

const transport = fc.oneof(
  fc.record({
    type: fc.constant("unix-socket" as const),
    path: pathSeg.map((p) => `/run${p}.sock`),
  }),
  fc.record({ type: fc.constant("grpc" as const), address: fc.constant("http://127.0.0.1:50051") }),
);

const model: fc.Arbitrary<{ model: ConfigModelInput; secretValues: string[] }> = fc
  .record({
    upstreams: names(1, 4),
    middlewares: names(0, 3),
    agents: names(0, 4),
    services: names(1, 5),
    listeners: fc.uniqueArray(fc.integer({ min: 1, max: 65_535 }), { minLength: 1, maxLength: 3 }),
    secrets: names(0, 2),
    certs: names(0, 2),
  })
  .chain((n) =>
    fc
      .record({
        upstreams: fc.array(
          fc.record({
            targets: fc.array(fc.record({ address, weight: fc.integer({ min: 0, max: 100 }) }), {
              minLength: 1,
              maxLength: 3,
            }),
            load_balancing: fc.constantFrom(...LOAD_BALANCING),
            health_check: fc.option(
              fc.record({
                type: fc.constantFrom("http" as const, "tcp" as const),
                path: fc.constant("/health"),
                interval_secs: fc.integer({ min: 1, max: 60 }),
              }),
              { nil: null },
            ),
          }),
          { minLength: n.upstreams.length, maxLength: n.upstreams.length },
        ),
        middlewares: fc.array(middleware, {
          minLength: n.middlewares.length,
          maxLength: n.middlewares.length,
        }),
        agents: fc.array(
          fc.record({
            kind: fc.constantFrom("plugin", "auth", "waf"),
            transport,
            timeout_ms: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: null }),
            failure_mode: fc.option(fc.constantFrom("open" as const, "closed" as const), {
              nil: null,
            }),
            secret:
              n.secrets.length > 0
                ? fc.option(fc.constantFrom(...n.secrets), { nil: null })
                : fc.constant(null),
          }),
          { minLength: n.agents.length, maxLength: n.agents.length },
        ),
        services: fc.array(
          fc.record({
            prefix: fc.option(pathSeg, { nil: null }),
            host: fc.option(fc.constantFrom("a.example.test", "b.example.test"), { nil: null }),
            methods: fc.subarray([...METHODS]),
            backend: fc.oneof(
              fc.record({ upstream: fc.constantFrom(...n.upstreams) }),
              fc.record({
                builtin: fc.constantFrom("status" as const, "health" as const, "metrics" as const),
              }),
            ),
            priority: fc.integer({ min: -100, max: 1_000 }),
            middlewares: fc.subarray(n.middlewares),
            agents: fc.subarray(n.agents),
          }),
          { minLength: n.services.length, maxLength: n.services.length },
        ),
        secretValues: fc.array(fc.stringMatching(/^SECRET-[A-Za-z0-9]{12}$/), {
          minLength: n.secrets.length,
          maxLength: n.secrets.length,
        }),
        tlsListener: fc.boolean(),
        defaultRoute: fc.option(fc.constantFrom(...n.services), { nil: null }),
      })
      .map((v) => {
        const agents = n.agents.map((agentName, i) => ({
          name: agentName,
          ...(v.agents[i] as (typeof v.agents)[number]),
        }));
        const agentSpec = (a: (typeof agents)[number]) => ({
          transport: a.transport,
          timeout_ms: a.timeout_ms,
          failure_mode: a.failure_mode,
          config: a.secret ? { "secret-file": { secret: a.secret } } : { mode: "strict" },
        });
        const m: ConfigModelInput = {
          system: systemSpec.parse({ worker_threads: 2 }),
          upstreamGroups: n.upstreams.map((u, i) => ({
            name: u,
            spec: upstreamGroupSpec.parse(v.upstreams[i]),
          })),
          middlewares: n.middlewares.map((mw, i) => ({
            name: mw,
            spec: middlewareSpec.parse(v.middlewares[i]),
          })),
          plugins: agents
            .filter((a) => a.kind === "plugin")
            .map((a) => ({ name: a.name, spec: pluginSpec.parse(agentSpec(a)) })),
          authPolicies: agents
            .filter((a) => a.kind === "auth")
            .map((a) => ({ name: a.name, spec: authPolicySpec.parse(agentSpec(a)) })),
          wafPolicies: agents
            .filter((a) => a.kind === "waf")
            .map((a) => ({ name: a.name, spec: wafPolicySpec.parse(agentSpec(a)) })),
          services: n.services.map((s, i) => {
            const x = v.services[i] as (typeof v.services)[number];
            const mine = agents.filter((a) => x.agents.includes(a.name));
            const hasMatch = x.prefix !== null || x.host !== null || x.methods.length > 0;
            return {
              name: s,
              spec: serviceSpec.parse({
                match: {
                  path_prefixes: x.prefix ? [x.prefix] : [],
                  hosts: x.host ? [x.host] : [],
                  methods: x.methods,
                },
                // A route without conditions must be the low-priority catch-all.
                priority: hasMatch ? x.priority : 10,
                upstream_group: "upstream" in x.backend ? x.backend.upstream : null,
                builtin_handler: "builtin" in x.backend ? x.backend.builtin : null,
                middlewares: x.middlewares,
                auth_policy: mine.find((a) => a.kind === "auth")?.name ?? null,
                waf_policy: mine.find((a) => a.kind === "waf")?.name ?? null,
                plugins: mine.filter((a) => a.kind === "plugin").map((a) => a.name),
              }),
            };
          }),
          listeners: n.listeners.map((port, i) => ({
            name: `l${i}`,
            spec: listenerSpec.parse({
              address: `0.0.0.0:${port}`,
              protocol: i === 0 && v.tlsListener && n.certs.length > 0 ? "https" : "http",
              default_route: i === 0 ? v.defaultRoute : null,
              certificates: i === 0 && v.tlsListener ? n.certs : [],
            }),
          })),
          certificates: n.certs.map((c, i) => ({
            name: c,
            sans: [`${c}.example.test`],
            version: 1,
            id: `cert-${i}`,
          })),
          secrets: n.secrets.map((s, i) => ({ name: s, version: i + 1, id: `secret-${i}` })),
        };
        return { model: m, secretValues: v.secretValues };
      }),
  );

describe("generator property", () => {
  it("random valid models generate configs the validator accepts, deterministically, without secret values", async () => {
    await fc.assert(
      fc.asyncProperty(model, async ({ model: m, secretValues }) => {
        const out = await generateConfig(m);
        expect(out.problems).toEqual([]);
        const result = validateConfig({
          entry: "zentinel.kdl",
          files: { "zentinel.kdl": out.text },
        });
        expect(result.errors, out.text).toEqual([]);
        const shuffled: ConfigModelInput = {
          ...m,
          services: [...m.services].reverse(),
          upstreamGroups: [...m.upstreamGroups].reverse(),
          middlewares: [...m.middlewares].reverse(),
          listeners: [...m.listeners].reverse(),
        };
        expect((await generateConfig(shuffled)).text).toBe(out.text);
        for (const value of secretValues) {
          expect(out.text).not.toContain(value);
        }
      }),
      { numRuns: 80 },
    );
  });

  it("reports dangling references and agent name clashes instead of emitting them", async () => {
    const base = {
      system: systemSpec.parse({}),
      listeners: [],
      upstreamGroups: [],
      middlewares: [],
      wafPolicies: [],
      certificates: [],
      secrets: [],
    };
    const transport = { type: "grpc", address: "http://127.0.0.1:1" };
    const out = await generateConfig({
      ...base,
      plugins: [
        { name: "x", spec: pluginSpec.parse({ transport, config: { k: { secret: "gone" } } }) },
      ],
      authPolicies: [{ name: "x", spec: authPolicySpec.parse({ transport }) }],
      services: [
        { name: "api", spec: serviceSpec.parse({ upstream_group: "nope", middlewares: ["m"] }) },
      ],
    });
    expect(out.problems.map((p) => p.path)).toEqual([
      "auth_policy/x",
      "service/api.upstream_group",
      "service/api.middlewares.0",
      "plugin/x.config.k",
    ]);
  });
});
