/**
 * The config model: one zod schema per entity kind. The generator (`generate.ts`) turns a whole
 * model into Zentinel KDL; the API stores each entity's spec as JSON. Pure: no I/O.
 *
 * Invariants:
 * - Names are KDL ids (`ENTITY_NAME`); entities refer to each other by name, never by row id.
 * - Every field has a default or is required, so a parsed spec is complete and the same spec
 *   always generates the same text.
 * - `extra_kdl` holds KDL the typed fields cannot express (children of the generated block);
 *   import fills it and reports what went there, so nothing is dropped silently.
 */
import { z } from "zod";

/** Entity names: the KDL id emitted for the entity. */
export const ENTITY_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** Schema of an entity name. */
export const entityName = z
  .string()
  .regex(ENTITY_NAME, "must be 1–63 characters of a–z, 0–9, '_', '.', '-', starting alphanumeric");

/** `host:port` as the proxy checks it: the part after the last ':' is a u16. */
export function isHostPort(address: string): boolean {
  const at = address.lastIndexOf(":");
  if (at <= 0) {
    return false;
  }
  const port = address.slice(at + 1);
  return /^\d{1,5}$/.test(port) && Number(port) <= 65_535;
}

const hostPort = z.string().min(3).max(255).refine(isHostPort, "must be HOST:PORT");
const kdlText = z.string().max(65_536).default("");
const positiveInt = z.number().int().min(1).max(2_147_483_647);

/** Canonical load-balancing algorithms (the proxy's names after aliasing). */
export const LOAD_BALANCING = [
  "round_robin",
  "least_connections",
  "weighted",
  "ip_hash",
  "random",
  "consistent_hash",
  "power_of_two_choices",
  "adaptive",
  "least_tokens_queued",
  "maglev",
  "locality_aware",
  "peak_ewma",
  "deterministic_subset",
  "weighted_least_connections",
  "sticky",
] as const;

/** Upstream group → `upstreams { upstream "<name>" { … } }`. */
export const upstreamGroupSpec = z.object({
  targets: z
    .array(z.object({ address: hostPort, weight: z.number().int().min(0).max(65_535).default(1) }))
    .min(1, "an upstream group needs at least one target")
    .max(1_000),
  load_balancing: z.enum(LOAD_BALANCING).default("round_robin"),
  health_check: z
    .object({
      type: z.enum(["http", "tcp", "grpc"]).default("http"),
      /** HTTP checks only. */
      path: z.string().startsWith("/").max(1_024).nullable().default(null),
      expected_status: z.number().int().min(100).max(599).nullable().default(null),
      interval_secs: positiveInt.default(10),
      timeout_secs: positiveInt.default(5),
      healthy_threshold: positiveInt.default(2),
      unhealthy_threshold: positiveInt.default(3),
    })
    .nullable()
    .default(null),
  timeouts: z
    .object({
      connect_secs: positiveInt.nullable().default(null),
      request_secs: positiveInt.nullable().default(null),
      read_secs: positiveInt.nullable().default(null),
      write_secs: positiveInt.nullable().default(null),
    })
    .nullable()
    .default(null),
  tls: z
    .object({
      sni: z.string().min(1).max(255).nullable().default(null),
      insecure_skip_verify: z.boolean().default(false),
    })
    .nullable()
    .default(null),
  extra_kdl: kdlText,
});

/** HTTP methods a service can match. */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
/** Builtin handlers a service can serve instead of an upstream. */
export const BUILTIN_HANDLERS = [
  "status",
  "health",
  "metrics",
  "not-found",
  "config",
  "upstreams",
  "cache-purge",
  "cache-stats",
] as const;

/** Service → one route plus its filter and agent references. */
export const serviceSpec = z.object({
  match: z
    .object({
      hosts: z.array(z.string().min(1).max(255)).max(100).default([]),
      path_prefixes: z.array(z.string().startsWith("/").max(1_024)).max(100).default([]),
      paths: z.array(z.string().startsWith("/").max(1_024)).max(100).default([]),
      methods: z.array(z.enum(METHODS)).max(METHODS.length).default([]),
    })
    .default({ hosts: [], path_prefixes: [], paths: [], methods: [] }),
  /** Route priority; higher wins (`low` = 10, `normal` = 50, `high` = 100). */
  priority: z.number().int().min(-2_147_483_648).max(2_147_483_647).default(50),
  upstream_group: entityName.nullable().default(null),
  builtin_handler: z.enum(BUILTIN_HANDLERS).nullable().default(null),
  /** Serve files from this directory on the node (`static-files { root }`). */
  static_root: z.string().startsWith("/").max(1_024).nullable().default(null),
  /** Middleware names, applied in this order. */
  middlewares: z.array(entityName).max(50).default([]),
  auth_policy: entityName.nullable().default(null),
  waf_policy: entityName.nullable().default(null),
  /** Plugin names, after the middlewares. */
  plugins: z.array(entityName).max(50).default([]),
  extra_kdl: kdlText,
});

/** Listener → `listeners { listener "<name>" { … } }`, TLS from certificates by SNI. */
export const listenerSpec = z.object({
  address: hostPort,
  protocol: z.enum(["http", "https", "h2", "h3"]).default("http"),
  request_timeout_secs: positiveInt.nullable().default(null),
  keepalive_timeout_secs: positiveInt.nullable().default(null),
  /** A service name served when no route matches. */
  default_route: entityName.nullable().default(null),
  /** Certificate names: the first is the default, the others are chosen by SNI (their SANs). */
  certificates: z.array(entityName).max(50).default([]),
  tls_min_version: z.enum(["TLS1.2", "TLS1.3"]).nullable().default(null),
  extra_kdl: kdlText,
});

/** A scalar KDL value. */
const scalar = z.union([z.string().max(4_096), z.number().finite(), z.boolean()]);

/** A middleware setting: scalar, argument list, or a `name value` map rendered as a block. */
export const settingValue = z.union([
  scalar,
  z.array(scalar).max(100),
  z.record(z.string().min(1).max(200), z.string().max(4_096)),
]);
export type SettingValue = z.infer<typeof settingValue>;

/** Setting names: KDL node names of the filter's children. */
const settingName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a lowercase KDL name");

/** Filter types of the proxy (`filters { filter "<name>" { type "…" } }`). */
export const MIDDLEWARE_TYPES = [
  "rate-limit",
  "agent",
  "headers",
  "compress",
  "cors",
  "timeout",
  "log",
  "geo",
  "redirect",
  "url-rewrite",
] as const;

/** Middleware → one filter. For `agent` middlewares, `settings.agent` names a plugin or policy. */
export const middlewareSpec = z.object({
  type: z.enum(MIDDLEWARE_TYPES),
  settings: z.record(settingName, settingValue).default({}),
  extra_kdl: kdlText,
});

/** A plugin config value; `{secret}` renders as the path of the secret's file on the node. */
export const configValue = z.union([scalar, z.object({ secret: entityName }).strict()]);
export type ConfigValue = z.infer<typeof configValue>;

const agentFields = {
  /** How the proxy reaches the agent; null only when `extra_kdl` carries the transport. */
  transport: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("unix-socket"), path: z.string().startsWith("/").max(1_024) }),
      z.object({ type: z.literal("grpc"), address: z.string().min(1).max(1_024) }),
      z.object({ type: z.literal("http"), url: z.string().url().max(2_048) }),
    ])
    .nullable()
    .default(null),
  timeout_ms: positiveInt.nullable().default(null),
  failure_mode: z.enum(["open", "closed"]).nullable().default(null),
  events: z
    .array(
      z.enum([
        "request_headers",
        "request_body",
        "response_headers",
        "response_body",
        "log",
        "websocket_frame",
        "guardrail",
      ]),
    )
    .max(7)
    .default([]),
  /** Free-form agent configuration (`config { key value }`). */
  config: z.record(settingName, configValue).default({}),
  extra_kdl: kdlText,
};

/** Plugin → an external agent (`agents { agent "<name>" type="…" { … } }`). */
export const pluginSpec = z.object({
  /** The agent's `type=` property (`rate_limit` or a custom type); null writes none. */
  agent_type: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/)
    .refine((t) => t !== "auth" && t !== "waf", "use an auth or WAF policy for these types")
    .nullable()
    .default(null),
  ...agentFields,
});

/** Auth policy → an `auth` agent plus an agent filter that services reference. */
export const authPolicySpec = z.object(agentFields);
/** WAF policy → a `waf` agent plus an agent filter that services reference. */
export const wafPolicySpec = z.object(agentFields);

/** Default directory where agents write secrets and certificate files (`--state-dir`/secrets). */
export const DEFAULT_SECRETS_DIR = "/var/lib/zentinel-agent/secrets";

/** The project's `system` block (singleton) and document-level KDL the model does not type. */
export const systemSpec = z.object({
  worker_threads: z.number().int().min(0).max(1_024).nullable().default(null),
  max_connections: positiveInt.nullable().default(null),
  graceful_shutdown_timeout_secs: positiveInt.nullable().default(null),
  auto_reload: z.boolean().nullable().default(null),
  route_cache_size: positiveInt.nullable().default(null),
  trace_id_format: z.enum(["tinyflake", "uuid"]).nullable().default(null),
  /** Where the agent writes secret files on the node; must match its `--state-dir`/secrets. */
  secrets_dir: z.string().startsWith("/").max(512).default(DEFAULT_SECRETS_DIR),
  /** Children of `system { }` the typed fields do not cover. */
  extra_kdl: kdlText,
  /** Top-level KDL blocks the model does not type (limits, observability, namespaces, …). */
  document_kdl: kdlText,
});

export type UpstreamGroupSpec = z.infer<typeof upstreamGroupSpec>;
export type ServiceSpec = z.infer<typeof serviceSpec>;
export type ListenerSpec = z.infer<typeof listenerSpec>;
export type MiddlewareSpec = z.infer<typeof middlewareSpec>;
export type PluginSpec = z.infer<typeof pluginSpec>;
export type AuthPolicySpec = z.infer<typeof authPolicySpec>;
export type WafPolicySpec = z.infer<typeof wafPolicySpec>;
export type SystemSpec = z.infer<typeof systemSpec>;

/** The public facts of a stored certificate that the generator needs (never key material). */
export interface CertificateRef {
  name: string;
  /** DNS subject alternative names, used as SNI hostnames. */
  sans: string[];
  version: number;
  id: string;
}

/** A stored secret as the generator sees it: name and version, never the value. */
export interface SecretRef {
  name: string;
  version: number;
  id: string;
}

/** A named entity of one kind. */
export interface Named<S> {
  name: string;
  spec: S;
}

/** The whole model of a project, as the generator consumes it. */
export interface ConfigModelInput {
  system: SystemSpec;
  listeners: Named<ListenerSpec>[];
  services: Named<ServiceSpec>[];
  upstreamGroups: Named<UpstreamGroupSpec>[];
  middlewares: Named<MiddlewareSpec>[];
  plugins: Named<PluginSpec>[];
  authPolicies: Named<AuthPolicySpec>[];
  wafPolicies: Named<WafPolicySpec>[];
  certificates: CertificateRef[];
  secrets: SecretRef[];
}

/** The default system spec (every field at its default). */
export function defaultSystem(): SystemSpec {
  return systemSpec.parse({});
}
