/**
 * `listeners { listener "<id>" { … } }` and a namespace service's single `listener { … }`.
 */
import type { Node } from "@bgotink/kdl";
import { fail, SchemaError } from "../diagnostics.js";
import type { ListenerProtocol } from "../model.js";
import { child, firstString, getString, getUnsigned } from "../values.js";
import { parseTls } from "./tls.js";
import type { ListenerConfig } from "./types.js";

const DEFAULT_REQUEST_TIMEOUT_SECS = 60;
const DEFAULT_KEEPALIVE_TIMEOUT_SECS = 75;
const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

const PROTOCOLS = new Map<string, ListenerProtocol>([
  ["http", "http"],
  ["https", "https"],
  ["h2", "h2"],
  ["h3", "h3"],
]);
/** Service listeners also accept `http2`/`http3`. */
const SERVICE_PROTOCOLS = new Map<string, ListenerProtocol>([
  ...PROTOCOLS,
  ["http2", "h2"],
  ["http3", "h3"],
]);

function parseProtocol(node: Node, id: string, table: Map<string, ListenerProtocol>) {
  const raw = (getString(node, "protocol") ?? "http").toLowerCase();
  const protocol = table.get(raw);
  if (!protocol) {
    fail(
      child(node, "protocol") ?? node,
      `Invalid protocol '${raw}' for listener '${id}'. Valid protocols: http, https, h2, h3`,
      "listener-protocol",
    );
  }
  return protocol;
}

function finishListener(
  node: Node,
  id: string,
  address: string,
  protocol: ListenerProtocol,
  tls: ListenerConfig["tls"],
): ListenerConfig {
  return {
    node,
    id,
    address,
    protocol,
    tls,
    defaultRoute: getString(node, "default-route"),
    namespace: getString(node, "namespace"),
    requestTimeoutSecs:
      getUnsigned(node, "request-timeout-secs", 64) ?? DEFAULT_REQUEST_TIMEOUT_SECS,
    keepaliveTimeoutSecs:
      getUnsigned(node, "keepalive-timeout-secs", 64) ?? DEFAULT_KEEPALIVE_TIMEOUT_SECS,
    maxConcurrentStreams:
      getUnsigned(node, "max-concurrent-streams", 32) ?? DEFAULT_MAX_CONCURRENT_STREAMS,
  };
}

/** Parses one `listener "<id>" { … }` inside `listeners`. */
export function parseListener(node: Node): ListenerConfig {
  const id = firstString(node);
  if (id === null) {
    fail(node, 'Listener requires an ID argument, e.g., listener "http" { ... }', "listener-id");
  }
  const address = getString(node, "address");
  if (address === null) {
    fail(
      node,
      `Listener '${id}' requires an 'address' field, e.g., address "0.0.0.0:8080"`,
      "listener-address",
    );
  }
  const protocol = parseProtocol(node, id, PROTOCOLS);
  const tlsNode = child(node, "tls");
  const tls = tlsNode ? parseTls(tlsNode, id) : null;
  return finishListener(node, id, address, protocol, tls);
}

/** Parses a service's `listener { … }` (id from the first entry, an `id` child, or a default). */
export function parseServiceListener(node: Node): ListenerConfig {
  const id = firstString(node) ?? getString(node, "id") ?? "service-listener";
  const address = getString(node, "address");
  if (address === null) {
    fail(node, `Listener '${id}' requires an 'address'`, "listener-address");
  }
  const protocol = parseProtocol(node, id, SERVICE_PROTOCOLS);
  const tlsNode = child(node, "tls");
  let tls: ListenerConfig["tls"] = null;
  if (tlsNode) {
    try {
      tls = parseTls(tlsNode, id);
    } catch (error) {
      // anyhow `.context("Failed to parse TLS config")`; `{:#}` prints "context: cause".
      if (error instanceof SchemaError) {
        fail(tlsNode, `Failed to parse TLS config: ${error.message}`, "tls");
      }
      throw error;
    }
  }
  return finishListener(node, id, address, protocol, tls);
}
