/**
 * `upstreams { upstream "<id>" { … } }` (`kdl/upstreams.rs`, `helpers.rs::parse_upstream_targets`).
 * Only the id, the target list and `circuit-breaker` can fail; everything else is defaulted.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import type { HealthCheckModel } from "../model.js";
import {
  child,
  childNodes,
  entryInt,
  entryString,
  firstProperty,
  firstString,
  getInt,
  getString,
  wrapUnsigned,
} from "../values.js";
import { parseCircuitBreaker } from "./strict.js";
import type { UpstreamConfig } from "./types.js";

const LOAD_BALANCING = new Map<string, string>();
for (const [canonical, aliases] of [
  ["round_robin", ["round_robin", "roundrobin"]],
  ["least_connections", ["least_connections", "leastconnections"]],
  ["weighted", ["weighted", "weighted_round_robin", "weighted-round-robin"]],
  ["ip_hash", ["ip_hash", "iphash"]],
  ["random", ["random"]],
  ["consistent_hash", ["consistent_hash", "consistenthash"]],
  ["power_of_two_choices", ["power_of_two_choices", "p2c"]],
  ["adaptive", ["adaptive"]],
  ["least_tokens_queued", ["least_tokens_queued", "leasttokensqueued", "least_tokens"]],
  ["maglev", ["maglev"]],
  ["locality_aware", ["locality_aware", "localityaware", "locality"]],
  ["peak_ewma", ["peak_ewma", "peakewma", "ewma"]],
  ["deterministic_subset", ["deterministic_subset", "subset", "subsetting"]],
  ["weighted_least_connections", ["weighted_least_connections", "weighted_least_conn", "wlc"]],
  ["sticky", ["sticky", "sticky_session", "stickysession"]],
] as const) {
  for (const alias of aliases) {
    LOAD_BALANCING.set(alias, canonical);
  }
}

/** Canonical algorithm; unknown names (including hyphenated `least-connections`) → round_robin. */
export function canonicalLoadBalancing(raw: string | null): string {
  return (raw === null ? undefined : LOAD_BALANCING.get(raw.toLowerCase())) ?? "round_robin";
}

/** `address=` property (first) or `address` child node. */
function addressField(node: Node): string | null {
  return entryString(firstProperty(node, "address")) ?? getString(node, "address");
}

function parseTarget(node: Node): { address: string; weight: number } | null {
  const address = firstString(node) ?? addressField(node);
  if (address === null) {
    return null;
  }
  const weight = entryInt(firstProperty(node, "weight")) ?? getInt(node, "weight");
  return { address, weight: weight === null ? 1 : Number(wrapUnsigned(weight, 32)) };
}

function parseTargets(upstream: Node): Array<{ address: string; weight: number }> {
  const targets: Array<{ address: string; weight: number }> = [];
  for (const node of childNodes(upstream)) {
    const candidates =
      node.name.name === "target"
        ? [node]
        : node.name.name === "targets"
          ? childNodes(node).filter((inner) => inner.name.name === "target")
          : [];
    for (const candidate of candidates) {
      const target = parseTarget(candidate);
      if (target) {
        targets.push(target);
      }
    }
  }
  if (targets.length === 0) {
    const address = addressField(upstream);
    if (address !== null) {
      targets.push({ address, weight: 1 });
    }
  }
  return targets;
}

function intOr(node: Node, name: string, fallback: bigint, bits: number): number {
  return Number(wrapUnsigned(getInt(node, name) ?? fallback, bits));
}

/** Health check summary; the proxy swallows parse failures here, and none can occur. */
function parseHealthCheck(node: Node): HealthCheckModel {
  const typeNode = child(node, "type");
  const typeName = typeNode ? (firstString(typeNode) ?? "tcp").toLowerCase() : "tcp";
  const type =
    typeName === "http" || typeName === "grpc" || typeName === "inference" ? typeName : "tcp";
  const path =
    type === "http" && typeNode ? (firstString(child(typeNode, "path")) ?? "/health") : null;
  return {
    type,
    intervalSecs: intOr(node, "interval-secs", 10n, 64),
    timeoutSecs: intOr(node, "timeout-secs", 5n, 64),
    healthyThreshold: intOr(node, "healthy-threshold", 2n, 32),
    unhealthyThreshold: intOr(node, "unhealthy-threshold", 3n, 32),
    path,
  };
}

/** Parses one `upstream "<id>" { … }`. */
export function parseUpstream(node: Node): UpstreamConfig {
  const id = firstString(node);
  if (id === null) {
    fail(node, 'Upstream requires an ID argument, e.g., upstream "backend" { ... }', "upstream-id");
  }
  const targets = parseTargets(node);
  if (targets.length === 0) {
    fail(
      node,
      `Upstream '${id}' requires at least one target, e.g., target "127.0.0.1:8081"`,
      "upstream-targets",
    );
  }
  const healthNode = child(node, "health-check");
  const breaker = child(node, "circuit-breaker");
  if (breaker) {
    parseCircuitBreaker(breaker);
  }
  return {
    node,
    id,
    targets,
    loadBalancing: canonicalLoadBalancing(firstString(child(node, "load-balancing"))),
    healthCheck: healthNode ? parseHealthCheck(healthNode) : null,
    tls: child(node, "tls") !== undefined,
    circuitBreaker: breaker !== undefined,
  };
}
