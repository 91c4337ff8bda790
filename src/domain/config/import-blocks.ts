/**
 * Import of one KDL block into one model entity. Each converter types the children it can
 * represent exactly and keeps every other child, verbatim in meaning, as `extra_kdl`, reporting
 * it; nothing is dropped silently. Only the first child of each name is typed, because the proxy
 * reads the first one and the generator writes typed children before `extra_kdl`.
 */
import type { Node } from "@bgotink/kdl";
import { parsePriority } from "../../kdl/schema/route-blocks";
import { canonicalLoadBalancing } from "../../kdl/schema/upstreams";
import { fromParsed, type KdlNode, type KdlValue, renderFragment } from "./kdl-ast";
import { BUILTIN_HANDLERS, METHODS, MIDDLEWARE_TYPES, type SettingValue } from "./specs";

/** Reports a child kept as raw KDL (`why`) or not imported. */
export type Report = (node: Node, message: string) => void;

/** Result of converting a block: the spec (unparsed; the caller applies the zod schema). */
export type Converted = Record<string, unknown>;

/** Drops fields left undefined by a converter that then kept the child raw. */
function clean(spec: Converted): Converted {
  return Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined));
}

const SETTING_NAME = /^[a-z][a-z0-9-]{0,62}$/;

function args(n: KdlNode): KdlValue[] {
  return n.args;
}

/** The single argument of a leaf node without properties, or undefined. */
function single(n: KdlNode): KdlValue | undefined {
  return n.args.length === 1 && n.props.length === 0 && n.children === null ? n.args[0] : undefined;
}

function str(n: KdlNode): string | undefined {
  const v = single(n);
  return typeof v === "string" ? v : undefined;
}

function int(n: KdlNode, min = 0): number | undefined {
  const v = single(n);
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= 2_147_483_647
    ? v
    : undefined;
}

function bool(n: KdlNode): boolean | undefined {
  const v = single(n);
  return typeof v === "boolean" ? v : undefined;
}

/** A JSON-safe scalar: strings, booleans, safe integers, non-integral floats. */
function jsonScalar(v: KdlValue | undefined): string | number | boolean | undefined {
  if (typeof v === "string" || typeof v === "boolean") {
    return v;
  }
  if (typeof v === "number") {
    return v;
  }
  if (
    v !== null &&
    typeof v === "object" &&
    !Number.isInteger(v.float) &&
    Number.isFinite(v.float)
  ) {
    return v.float;
  }
  return undefined;
}

/**
 * Walks the children of `block`: `typed(name, node)` returns true when it consumed the child;
 * everything else, and every repeated name, is collected as raw KDL and reported.
 */
function walk(
  block: Node,
  report: Report,
  where: string,
  typed: (name: string, n: KdlNode, parsed: Node) => boolean,
): string {
  const seen = new Set<string>();
  const raw: KdlNode[] = [];
  for (const parsed of block.children?.nodes ?? []) {
    const n = fromParsed(parsed);
    const name = n.quotedName ? `"${n.name}"` : n.name;
    if (!seen.has(name) && typed(name, n, parsed)) {
      seen.add(name);
      continue;
    }
    seen.add(name);
    raw.push(n);
    report(
      parsed,
      `'${n.name}' in ${where} is kept as raw KDL (extra_kdl): the model has no typed field for it`,
    );
  }
  return renderFragment(raw);
}

/** `upstream "<id>" { … }` → upstream group spec. */
export function importUpstream(block: Node, report: Report, where: string): Converted {
  const targets: Array<{ address: string; weight: number }> = [];
  const spec: Converted = {};
  const hasTargets = (block.children?.nodes ?? []).some(
    (c) => c.name.name === "target" || c.name.name === "targets",
  );
  const target = (n: KdlNode): { address: string; weight: number } | null => {
    const addressProp = n.props.find(([k]) => k === "address")?.[1];
    const weightProp = n.props.find(([k]) => k === "weight")?.[1];
    const childAddress = n.children?.find((c) => c.name === "address");
    const childWeight = n.children?.find((c) => c.name === "weight");
    const address =
      typeof n.args[0] === "string"
        ? n.args[0]
        : typeof addressProp === "string"
          ? addressProp
          : childAddress
            ? str(childAddress)
            : undefined;
    const weight = weightProp ?? (childWeight ? single(childWeight) : 1);
    const extras =
      n.props.some(([k]) => k !== "address" && k !== "weight") ||
      n.args.length > 1 ||
      (n.children ?? []).some((c) => c.name !== "address" && c.name !== "weight");
    if (
      address === undefined ||
      typeof weight !== "number" ||
      !Number.isInteger(weight) ||
      weight < 0 ||
      weight > 65_535 ||
      extras
    ) {
      return null;
    }
    return { address, weight };
  };
  const extra = walk(block, report, where, (name, n) => {
    if (name === "target" || name === "targets") {
      const candidates =
        name === "target" ? [n] : (n.children ?? []).filter((c) => c.name === "target");
      const parsedTargets = candidates.map(target);
      if (
        parsedTargets.some((t) => t === null) ||
        (name === "targets" && candidates.length !== (n.children ?? []).length)
      ) {
        return false;
      }
      targets.push(...(parsedTargets as Array<{ address: string; weight: number }>));
      return true;
    }
    if (name === "load-balancing") {
      const v = str(n);
      if (v === undefined) {
        return false;
      }
      spec.load_balancing = canonicalLoadBalancing(v);
      return true;
    }
    if (name === "health-check") {
      const hc = healthCheck(n);
      if (hc === null) {
        return false;
      }
      spec.health_check = hc;
      return true;
    }
    if (name === "timeouts") {
      const t = intBlock(
        n,
        {
          connect: "connect_secs",
          request: "request_secs",
          read: "read_secs",
          write: "write_secs",
        },
        1,
      );
      if (t === null) {
        return false;
      }
      spec.timeouts = t;
      return true;
    }
    if (name === "tls") {
      const children = n.children ?? [];
      const sni = children.find((c) => c.name === "sni");
      const skip = children.find((c) => c.name === "insecure-skip-verify");
      const ok =
        n.args.length === 0 &&
        n.props.length === 0 &&
        children.every(
          (c) => (c === sni && str(c) !== undefined) || (c === skip && bool(c) !== undefined),
        );
      if (
        !ok ||
        (sni === undefined && skip === undefined) ||
        new Set(children.map((c) => c.name)).size !== children.length
      ) {
        return false;
      }
      spec.tls = { sni: sni ? str(sni) : null, insecure_skip_verify: skip ? bool(skip) : false };
      return true;
    }
    if (name === "address" && !hasTargets) {
      // Single-target shorthand, read by the proxy only when the upstream has no target.
      const address = str(n);
      if (address === undefined) {
        return false;
      }
      targets.push({ address, weight: 1 });
      return true;
    }
    return false;
  });
  return clean({ ...spec, targets, extra_kdl: extra });
}

function intBlock(
  n: KdlNode,
  fields: Record<string, string>,
  min: number,
): Record<string, number | null> | null {
  if (n.args.length > 0 || n.props.length > 0 || n.children === null) {
    return null;
  }
  const out: Record<string, number | null> = Object.fromEntries(
    Object.values(fields).map((f) => [f, null]),
  );
  for (const c of n.children) {
    const field = fields[c.name];
    const v = int(c, min);
    if (field === undefined || v === undefined || out[field] !== null) {
      return null;
    }
    out[field] = v;
  }
  return out;
}

function healthCheck(n: KdlNode): Converted | null {
  if (n.args.length > 0 || n.props.length > 0 || n.children === null) {
    return null;
  }
  const out: Converted = {};
  const ints: Record<string, string> = {
    "interval-secs": "interval_secs",
    "timeout-secs": "timeout_secs",
    "healthy-threshold": "healthy_threshold",
    "unhealthy-threshold": "unhealthy_threshold",
  };
  for (const c of n.children) {
    const field = ints[c.name];
    if (field !== undefined) {
      const v = int(c, 1);
      if (v === undefined || field in out) {
        return null;
      }
      out[field] = v;
      continue;
    }
    if (c.name !== "type" || "type" in out || c.args.length !== 1 || c.props.length > 0) {
      return null;
    }
    const type = c.args[0];
    if (type !== "http" && type !== "tcp" && type !== "grpc") {
      return null;
    }
    out.type = type;
    const inner = c.children ?? [];
    if (type !== "http" && inner.length > 0) {
      return null;
    }
    for (const i of inner) {
      if (i.name === "path" && str(i)?.startsWith("/") && !("path" in out)) {
        out.path = str(i);
      } else if (i.name === "expected-status" && !("expected_status" in out)) {
        // The proxy reads a string; an integer is ignored (default 200).
        const v = single(i);
        const code =
          typeof v === "string" && /^\d{3}$/.test(v)
            ? Number(v)
            : typeof v === "number"
              ? null
              : undefined;
        if (code === undefined) {
          return null;
        }
        out.expected_status = code;
      } else {
        return null;
      }
    }
    if (type === "http" && !("path" in out)) {
      out.path = "/health";
    }
  }
  if (!("type" in out)) {
    return null;
  }
  return out;
}

/** `route "<id>" { … }` → service spec. */
export function importRoute(block: Node, report: Report, where: string): Converted {
  const spec: Converted = { priority: parsePriority(block) };
  const extra = walk(block, report, where, (name, n) => {
    switch (name) {
      case "priority":
        return true;
      case "matches": {
        const m = matches(n);
        if (m === null) {
          return false;
        }
        spec.match = m;
        return true;
      }
      case "upstream": {
        const v = str(n);
        spec.upstream_group = v;
        return v !== undefined;
      }
      case "static-files": {
        const root =
          n.children?.length === 1 && n.children[0]?.name === "root"
            ? str(n.children[0])
            : undefined;
        if (
          root === undefined ||
          !root.startsWith("/") ||
          n.args.length > 0 ||
          n.props.length > 0
        ) {
          return false;
        }
        spec.static_root = root;
        return true;
      }
      case "builtin-handler": {
        const v = str(n);
        if (v === undefined || !(BUILTIN_HANDLERS as readonly string[]).includes(v)) {
          return false;
        }
        spec.builtin_handler = v;
        return true;
      }
      case "filters": {
        const names = args(n);
        if (
          n.props.length > 0 ||
          n.children !== null ||
          !names.every((x) => typeof x === "string")
        ) {
          return false;
        }
        spec.middlewares = names;
        return true;
      }
      default:
        return false;
    }
  });
  return clean({ ...spec, extra_kdl: extra });
}

function matches(n: KdlNode): Converted | null {
  if (n.args.length > 0 || n.props.length > 0 || n.children === null) {
    return null;
  }
  const out = {
    hosts: [] as string[],
    path_prefixes: [] as string[],
    paths: [] as string[],
    methods: [] as string[],
  };
  const lists: Record<string, string[]> = {
    host: out.hosts,
    "path-prefix": out.path_prefixes,
    path: out.paths,
    method: out.methods,
  };
  for (const c of n.children) {
    const list = lists[c.name];
    const v = str(c);
    if (list === undefined || v === undefined) {
      return null;
    }
    if (c.name === "method" && !(METHODS as readonly string[]).includes(v)) {
      return null;
    }
    if ((c.name === "path" || c.name === "path-prefix") && !v.startsWith("/")) {
      return null;
    }
    list.push(v);
  }
  return out;
}

const PROTOCOLS = new Set(["http", "https", "h2", "h3"]);

/** `listener "<id>" { … }` → listener spec (TLS stays raw: certificates are node paths there). */
export function importListener(block: Node, report: Report, where: string): Converted {
  const spec: Converted = {};
  const extra = walk(block, report, where, (name, n) => {
    switch (name) {
      case "address":
        spec.address = str(n);
        return spec.address !== undefined;
      case "protocol": {
        const v = str(n)?.toLowerCase();
        if (v === undefined || !PROTOCOLS.has(v)) {
          return false;
        }
        spec.protocol = v;
        return true;
      }
      case "request-timeout-secs":
      case "keepalive-timeout-secs": {
        const v = int(n, 1);
        spec[name === "request-timeout-secs" ? "request_timeout_secs" : "keepalive_timeout_secs"] =
          v;
        return v !== undefined;
      }
      case "default-route":
        spec.default_route = str(n);
        return spec.default_route !== undefined;
      default:
        return false;
    }
  });
  return clean({ ...spec, extra_kdl: extra });
}

function settingValue(n: KdlNode): SettingValue | undefined {
  if (n.props.length > 0) {
    return undefined;
  }
  if (n.children === null) {
    const values = n.args.map(jsonScalar);
    if (values.length === 0 || values.some((v) => v === undefined)) {
      return undefined;
    }
    return values.length === 1 ? values[0] : (values as Array<string | number | boolean>);
  }
  if (n.args.length > 0 || n.children.length === 0) {
    return undefined;
  }
  const record: Record<string, string> = {};
  for (const c of n.children) {
    const v = str(c);
    if (v === undefined || c.quotedName || c.name in record) {
      return undefined;
    }
    record[c.name] = v;
  }
  return record;
}

/** `filter "<id>" { type "…"; … }` → middleware spec, or null when the type is unknown. */
export function importFilter(block: Node, report: Report, where: string): Converted | null {
  const settings: Record<string, SettingValue> = {};
  let type: string | undefined;
  const extra = walk(block, report, where, (name, n) => {
    if (name === "type") {
      type = str(n);
      return type !== undefined && (MIDDLEWARE_TYPES as readonly string[]).includes(type);
    }
    if (!SETTING_NAME.test(name)) {
      return false;
    }
    const v = settingValue(n);
    if (v === undefined) {
      return false;
    }
    settings[name] = v;
    return true;
  });
  if (type === undefined || !(MIDDLEWARE_TYPES as readonly string[]).includes(type)) {
    return null;
  }
  return { type, settings, extra_kdl: extra };
}

const EVENTS = new Set([
  "request_headers",
  "request_body",
  "response_headers",
  "response_body",
  "log",
  "websocket_frame",
  "guardrail",
]);

/** `agent "<id>" [type=…] { … }` → plugin / policy spec (without `agent_type`). */
export function importAgent(block: Node, report: Report, where: string): Converted {
  const spec: Converted = {};
  const transports = (block.children?.nodes ?? []).filter((c) =>
    ["unix-socket", "grpc", "http"].includes(c.name.name),
  );
  const extra = walk(block, report, where, (name, n) => {
    switch (name) {
      case "unix-socket":
      case "grpc":
      case "http": {
        if (
          transports.length !== 1 ||
          n.children !== null ||
          n.args.length + n.props.length !== 1
        ) {
          return false;
        }
        const key = name === "unix-socket" ? "path" : name === "grpc" ? "address" : "url";
        const v = n.args[0] ?? n.props.find(([k]) => k === key)?.[1];
        if (typeof v !== "string" || (name === "unix-socket" && !v.startsWith("/"))) {
          return false;
        }
        if (name === "http" && !URL.canParse(v)) {
          return false;
        }
        spec.transport = { type: name, [key]: v };
        return true;
      }
      case "timeout-ms":
        spec.timeout_ms = int(n, 1);
        return spec.timeout_ms !== undefined;
      case "failure-mode": {
        const v = str(n);
        if (v !== "open" && v !== "closed") {
          return false;
        }
        spec.failure_mode = v;
        return true;
      }
      case "events": {
        const values = n.args;
        if (
          n.props.length > 0 ||
          n.children !== null ||
          values.length === 0 ||
          !values.every((v) => typeof v === "string" && EVENTS.has(v)) ||
          new Set(values).size !== values.length
        ) {
          return false;
        }
        spec.events = values;
        return true;
      }
      case "config": {
        const config = agentConfig(n);
        if (config === null) {
          return false;
        }
        spec.config = config;
        return true;
      }
      default:
        return false;
    }
  });
  return clean({ ...spec, extra_kdl: extra });
}

function agentConfig(n: KdlNode): Record<string, string | number | boolean> | null {
  if (n.args.length > 0 || n.props.length > 0 || n.children === null) {
    return null;
  }
  const out: Record<string, string | number | boolean> = {};
  for (const c of n.children) {
    const v = jsonScalar(single(c));
    if (v === undefined || c.quotedName || !SETTING_NAME.test(c.name) || c.name in out) {
      return null;
    }
    out[c.name] = v;
  }
  return out;
}

/** `system { … }` → system spec fields (`document_kdl` is added by the caller). */
export function importSystem(block: Node, report: Report): Converted {
  const spec: Converted = {};
  const ints: Record<string, [string, number]> = {
    "worker-threads": ["worker_threads", 0],
    "max-connections": ["max_connections", 1],
    "graceful-shutdown-timeout-secs": ["graceful_shutdown_timeout_secs", 1],
    "route-cache-size": ["route_cache_size", 1],
  };
  const extra = walk(block, report, "system", (name, n) => {
    const intField = ints[name];
    if (intField) {
      const v = int(n, intField[1]);
      spec[intField[0]] = v;
      return v !== undefined && v <= (intField[0] === "worker_threads" ? 1_024 : 2_147_483_647);
    }
    if (name === "auto-reload") {
      spec.auto_reload = bool(n);
      return spec.auto_reload !== undefined;
    }
    if (name === "trace-id-format") {
      const v = str(n);
      if (v !== "uuid" && v !== "tinyflake") {
        return false;
      }
      spec.trace_id_format = v;
      return true;
    }
    return false;
  });
  return clean({ ...spec, extra_kdl: extra });
}
