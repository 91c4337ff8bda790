/**
 * `agents { agent "<id>" [type="…"] { … } }` (`kdl/mod.rs::parse_single_agent`). Children are
 * processed in document order, so errors appear in that order.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import type { AgentType } from "../model.js";
import {
  childNodes,
  entryInt,
  entryString,
  firstEntry,
  firstString,
  getString,
  lastProperty,
  wrapUnsigned,
} from "../values.js";
import type { ParseContext } from "./context.js";
import { parseCircuitBreaker } from "./strict.js";
import type { AgentConfig } from "./types.js";

const EVENTS = new Map<string, string>();
for (const [canonical, aliases] of [
  ["request_headers", ["request_headers", "request-headers"]],
  ["request_body", ["request_body", "request-body"]],
  ["response_headers", ["response_headers", "response-headers"]],
  ["response_body", ["response_body", "response-body"]],
  ["log", ["log", "request_complete", "request-complete"]],
  [
    "websocket_frame",
    ["websocket_frame", "websocket-frame", "web_socket_frame", "web-socket-frame"],
  ],
  ["guardrail", ["guardrail"]],
] as const) {
  for (const alias of aliases) {
    EVENTS.set(alias, canonical);
  }
}

const OPEN_MODES = new Set(["fail_open", "fail-open", "open"]);
const CLOSED_MODES = new Set(["fail_closed", "fail-closed", "closed"]);
const DEFAULT_TIMEOUT_MS = 1000;

function agentType(node: Node, id: string): { type: AgentType; customType: string | null } {
  const raw = entryString(lastProperty(node, "type"));
  if (raw === null) {
    return { type: "custom", customType: id };
  }
  if (raw === "waf" || raw === "auth") {
    return { type: raw, customType: null };
  }
  if (raw === "rate_limit" || raw === "rate-limit") {
    return { type: "rate_limit", customType: null };
  }
  return { type: "custom", customType: raw };
}

function checkBodyMode(node: Node, id: string): void {
  const mode = firstString(node);
  if (mode === null || mode === "buffer" || mode === "stream" || mode === "hybrid") {
    return;
  }
  if (mode.startsWith("hybrid:")) {
    const threshold = mode.slice("hybrid:".length);
    if (!/^\+?\d+$/.test(threshold) || BigInt(threshold.replace("+", "")) >= 2n ** 64n) {
      fail(
        node,
        `Agent '${id}': invalid hybrid threshold '${threshold}', expected number`,
        "agent-body-mode",
      );
    }
    return;
  }
  fail(
    node,
    `Agent '${id}': unknown body streaming mode '${mode}'. Valid modes: buffer, stream, hybrid, hybrid:<bytes>`,
    "agent-body-mode",
  );
}

function transportEndpoint(node: Node, key: string, message: string): string {
  const endpoint = getString(node, key) ?? firstString(node);
  if (endpoint === null) {
    fail(node, message, "agent-transport");
  }
  return endpoint;
}

function isZero(node: Node): boolean | null {
  const value = entryInt(firstEntry(node));
  return value === null ? null : wrapUnsigned(value, 64) === 0n;
}

/** Parses one `agent "<id>" { … }`. */
export function parseAgent(ctx: ParseContext, node: Node): AgentConfig {
  const id = firstString(node);
  if (id === null) {
    fail(node, "Agent requires an ID as first argument", "agent-id");
  }
  const { type, customType } = agentType(node, id);
  if (!node.children) {
    fail(node, `Agent '${id}' requires configuration block`, "agent-block");
  }
  const agent: AgentConfig = {
    node,
    id,
    type,
    customType,
    transport: { kind: "unix-socket", endpoint: "" },
    timeoutMs: DEFAULT_TIMEOUT_MS,
    timeoutZero: false,
    chunkTimeoutZero: false,
    maxRequestBodyZero: false,
    maxResponseBodyZero: false,
    failureMode: "open",
    events: [],
  };
  let hasTransport = false;
  for (const entry of childNodes(node)) {
    const name = entry.name.name;
    if (name === "unix-socket") {
      const message = "unix-socket requires 'path' attribute or argument";
      agent.transport = { kind: name, endpoint: transportEndpoint(entry, "path", message) };
      hasTransport = true;
    } else if (name === "grpc") {
      const message = "grpc requires 'address' attribute or argument";
      agent.transport = { kind: name, endpoint: transportEndpoint(entry, "address", message) };
      hasTransport = true;
    } else if (name === "http") {
      const message = "http requires 'url' attribute or argument";
      agent.transport = { kind: name, endpoint: transportEndpoint(entry, "url", message) };
      hasTransport = true;
    } else if (name === "timeout-ms") {
      const value = entryInt(firstEntry(entry));
      if (value !== null) {
        agent.timeoutMs = Number(wrapUnsigned(value, 64));
        agent.timeoutZero = wrapUnsigned(value, 64) === 0n;
      }
    } else if (name === "chunk-timeout-ms") {
      agent.chunkTimeoutZero = isZero(entry) ?? agent.chunkTimeoutZero;
    } else if (name === "max-request-body-bytes") {
      agent.maxRequestBodyZero = isZero(entry) ?? agent.maxRequestBodyZero;
    } else if (name === "max-response-body-bytes") {
      agent.maxResponseBodyZero = isZero(entry) ?? agent.maxResponseBodyZero;
    } else if (name === "failure-mode") {
      const mode = firstString(entry);
      if (mode !== null) {
        if (OPEN_MODES.has(mode)) {
          agent.failureMode = "open";
        } else if (CLOSED_MODES.has(mode)) {
          agent.failureMode = "closed";
        } else {
          fail(
            entry,
            `Unknown failure mode: '${mode}'. Use 'open' or 'closed'`,
            "agent-failure-mode",
          );
        }
      }
    } else if (name === "events") {
      for (const eventEntry of entry.entries) {
        const event = entryString(eventEntry);
        if (event === null) {
          continue;
        }
        const canonical = EVENTS.get(event);
        if (canonical === undefined) {
          fail(entry, `Unknown agent event: '${event}'`, "agent-events");
        }
        agent.events.push(canonical);
      }
    } else if (name === "circuit-breaker") {
      parseCircuitBreaker(entry);
    } else if (name === "request-body-mode" || name === "response-body-mode") {
      checkBodyMode(entry, id);
    } else if (name === "protocol-version") {
      ctx.sink.warn(
        entry,
        "The 'protocol-version' field is deprecated and ignored. All agents use v2 protocol.",
        "agent-protocol-version",
      );
    }
  }
  if (!hasTransport) {
    fail(
      node,
      `Agent '${id}' requires a transport (unix-socket, grpc, or http)`,
      "agent-transport",
    );
  }
  if (agent.events.length === 0) {
    agent.events.push("request_headers");
  }
  return agent;
}
