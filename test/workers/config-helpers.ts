/// <reference types="vite/client" />
import { expect } from "vitest";
import { call } from "./harness";

/** The test certificates of test/fixtures/certs, by file name. */
export const CERTS: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>("../fixtures/certs/*.{crt,key}", {
      query: "?raw",
      import: "default",
      eager: true,
    }),
  ).map(([path, text]) => [path.replace("../fixtures/certs/", ""), text]),
);

/** `/api/v1/projects/<slug>/<segment>`. */
export const configPath = (slug: string, segment: string) => `/api/v1/projects/${slug}/${segment}`;

/** POSTs an entity and expects 201. */
export async function createEntity(
  t: { slug: string; adminKey: string },
  segment: string,
  body: Record<string, unknown>,
) {
  const res = await call("POST", configPath(t.slug, segment), { key: t.adminKey, body });
  expect(res.status, res.text).toBe(201);
  return res.body as Record<string, unknown> & { id: string; name: string };
}

/** A small complete model: upstream group, rate-limit middleware, secret, plugin, service, listener. */
export async function seedModel(t: { slug: string; adminKey: string }, secretValue: string) {
  await createEntity(t, "upstream-groups", {
    name: "backend",
    targets: [{ address: "10.0.0.1:8080", weight: 2 }, { address: "10.0.0.2:8080" }],
    load_balancing: "least_connections",
    health_check: { type: "http", path: "/healthz" },
  });
  await createEntity(t, "middlewares", {
    name: "api-limit",
    type: "rate-limit",
    settings: { "max-rps": 100, burst: 20 },
  });
  await createEntity(t, "secrets", { name: "signer-key", value: secretValue });
  await createEntity(t, "plugins", {
    name: "signer",
    agent_type: "signer",
    transport: { type: "unix-socket", path: "/run/zentinel/signer.sock" },
    config: { "key-file": { secret: "signer-key" }, mode: "strict" },
  });
  await createEntity(t, "services", {
    name: "api",
    match: { hosts: ["api.example.test"], path_prefixes: ["/v1"] },
    upstream_group: "backend",
    middlewares: ["api-limit"],
    plugins: ["signer"],
    priority: 100,
  });
  await createEntity(t, "listeners", { name: "http", address: "0.0.0.0:8080" });
}
