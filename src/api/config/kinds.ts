/**
 * The entity kinds served by the generic config routes (one createRoute per operation and kind,
 * built by the factories in `entities/`). Certificates, secrets and the system block have their
 * own routes because their bodies differ.
 */
import type { z } from "zod";
import type { ConfigEntityKind } from "../../db/schema/config";
import {
  authPolicySpec,
  listenerSpec,
  middlewareSpec,
  pluginSpec,
  serviceSpec,
  upstreamGroupSpec,
  wafPolicySpec,
} from "../../domain/config/specs";

/** One kind served under `/api/v1/projects/{project}/<segment>`. */
export interface EntityKindDef {
  kind: Exclude<ConfigEntityKind, "system">;
  /** URL segment, e.g. `upstream-groups`. */
  segment: string;
  /** Singular label for summaries and messages. */
  label: string;
  /** OpenAPI component name prefix, e.g. `UpstreamGroup`. */
  schemaName: string;
  spec: z.ZodObject;
  /** A create body for the OpenAPI example. */
  example: Record<string, unknown>;
  /** What the entity becomes in KDL (for the route description). */
  kdl: string;
}

/** Every generic kind, in the order the API reference lists them. */
export const ENTITY_KINDS: readonly EntityKindDef[] = [
  {
    kind: "upstream_group",
    segment: "upstream-groups",
    label: "upstream group",
    schemaName: "UpstreamGroup",
    spec: upstreamGroupSpec,
    example: {
      name: "backend",
      targets: [{ address: "10.0.0.1:8080", weight: 1 }],
      load_balancing: "least_connections",
      health_check: { type: "http", path: "/health" },
    },
    kdl: '`upstreams { upstream "<name>" { target …; load-balancing …; health-check … } }`',
  },
  {
    kind: "service",
    segment: "services",
    label: "service",
    schemaName: "Service",
    spec: serviceSpec,
    example: {
      name: "api",
      match: { hosts: ["api.example.com"], path_prefixes: ["/v1"] },
      upstream_group: "backend",
      middlewares: ["api-limit"],
      priority: 100,
    },
    kdl: '`routes { route "<name>" { matches …; upstream …; filters … } }`',
  },
  {
    kind: "listener",
    segment: "listeners",
    label: "listener",
    schemaName: "Listener",
    spec: listenerSpec,
    example: { name: "https", address: "0.0.0.0:443", protocol: "https", certificates: ["www"] },
    kdl: '`listeners { listener "<name>" { address …; tls { cert-file …; sni { … } } } }`',
  },
  {
    kind: "middleware",
    segment: "middlewares",
    label: "middleware",
    schemaName: "Middleware",
    spec: middlewareSpec,
    example: { name: "api-limit", type: "rate-limit", settings: { "max-rps": 100, burst: 20 } },
    kdl: '`filters { filter "<name>" { type …; <settings> } }`',
  },
  {
    kind: "plugin",
    segment: "plugins",
    label: "plugin",
    schemaName: "Plugin",
    spec: pluginSpec,
    example: {
      name: "signer",
      agent_type: "custom",
      transport: { type: "unix-socket", path: "/run/zentinel/signer.sock" },
      config: { "key-file": { secret: "signing-key" } },
    },
    kdl: '`agents { agent "<name>" type="…" { … } }` and an agent filter',
  },
  {
    kind: "auth_policy",
    segment: "auth-policies",
    label: "auth policy",
    schemaName: "AuthPolicy",
    spec: authPolicySpec,
    example: {
      name: "jwt",
      transport: { type: "grpc", address: "http://127.0.0.1:50051" },
      failure_mode: "closed",
    },
    kdl: '`agents { agent "<name>" type="auth" { … } }` and an agent filter',
  },
  {
    kind: "waf_policy",
    segment: "waf-policies",
    label: "WAF policy",
    schemaName: "WafPolicy",
    spec: wafPolicySpec,
    example: {
      name: "crs",
      transport: { type: "unix-socket", path: "/run/zentinel/waf.sock" },
      events: ["request_headers", "request_body"],
    },
    kdl: '`agents { agent "<name>" type="waf" { … } }` and an agent filter',
  },
];
