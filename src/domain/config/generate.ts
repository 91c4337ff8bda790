/**
 * The generator: config model → typed KDL AST → canonical text. Pure (WebCrypto digest only).
 *
 * Invariants:
 * - Deterministic: entities are emitted sorted by name, settings sorted by key, and nothing
 *   depends on storage order or time, so the same model always yields the same bytes and so the
 *   same bundle id.
 * - Secrets never appear: a `{secret}` reference renders as the path of the file the agent
 *   writes on the node (`<secrets_dir>/<name>`), certificates as `<secrets_dir>/cert-<name>.crt`
 *   and `.key`. A header comment carries a SHA-256 digest of the referenced secrets' and
 *   certificates' ids and versions (never values), so rotating one changes the bundle id.
 * - Every reference is re-checked here; a dangling one is a generator error (the routes refuse
 *   them, but a concurrent delete could still leave one).
 */
import { parseKdl } from "../../kdl/parse";
import { fromDocument, type KdlNode, type KdlValue, node, renderDocument } from "./kdl-ast";
import type {
  AuthPolicySpec,
  ConfigModelInput,
  ConfigValue,
  ListenerSpec,
  MiddlewareSpec,
  Named,
  PluginSpec,
  ServiceSpec,
  SettingValue,
  SystemSpec,
  UpstreamGroupSpec,
} from "./specs";

/** Prefixes of the filter ids generated for policies and plugins attached to services. */
export const POLICY_FILTER_PREFIX = { auth: "zcp.auth.", waf: "zcp.waf.", plugin: "zcp.plugin." };

/** A problem found while generating (before the validator runs). */
export interface GeneratorProblem {
  /** `<kind>/<name>.<field>` */
  path: string;
  message: string;
}

/** A secret or certificate the generated config needs on the node. */
export interface SecretReference {
  kind: "secret" | "certificate";
  name: string;
}

/** Output of {@link generateConfig}. */
export interface GeneratedConfig {
  text: string;
  nodes: KdlNode[];
  problems: GeneratorProblem[];
  /** Sorted by kind, then name. */
  secretRefs: SecretReference[];
  /** Hex SHA-256 over the referenced ids and versions, or null when nothing is referenced. */
  secretVersionsDigest: string | null;
}

const byName = <T extends { name: string }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** Path of a secret's file on the node. */
export function secretPath(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, "")}/${name}`;
}

/** Paths of a certificate's files on the node. */
export function certificatePaths(dir: string, name: string): { cert: string; key: string } {
  const base = dir.replace(/\/+$/, "");
  return { cert: `${base}/cert-${name}.crt`, key: `${base}/cert-${name}.key` };
}

/** Parses stored raw KDL into nodes (the routes only store text that parses). */
function rawNodes(text: string, path: string, problems: GeneratorProblem[]): KdlNode[] {
  if (text.trim() === "") {
    return [];
  }
  const parsed = parseKdl(text);
  if (!parsed.ok) {
    problems.push({ path, message: "is not valid KDL" });
    return [];
  }
  return fromDocument(parsed.document);
}

class Builder {
  readonly problems: GeneratorProblem[] = [];
  readonly refs = new Map<string, SecretReference>();
  /** Filter ids of policies and plugins some service attaches (only those are emitted). */
  readonly usedFilters = new Set<string>();

  constructor(readonly model: ConfigModelInput) {}

  get secretsDir(): string {
    return this.model.system.secrets_dir;
  }

  has(list: ReadonlyArray<{ name: string }>, name: string): boolean {
    return list.some((e) => e.name === name);
  }

  need(ok: boolean, path: string, message: string): boolean {
    if (!ok) {
      this.problems.push({ path, message });
    }
    return ok;
  }

  ref(kind: SecretReference["kind"], name: string): void {
    this.refs.set(`${kind}/${name}`, { kind, name });
  }

  raw(text: string, path: string): KdlNode[] {
    return rawNodes(text, path, this.problems);
  }
}

function optional(name: string, value: number | boolean | string | null): KdlNode[] {
  return value === null ? [] : [node(name, [value])];
}

function systemBlock(b: Builder, s: SystemSpec): KdlNode[] {
  const children = [
    ...optional("worker-threads", s.worker_threads),
    ...optional("max-connections", s.max_connections),
    ...optional("graceful-shutdown-timeout-secs", s.graceful_shutdown_timeout_secs),
    ...optional("auto-reload", s.auto_reload),
    ...optional("route-cache-size", s.route_cache_size),
    ...optional("trace-id-format", s.trace_id_format),
    ...b.raw(s.extra_kdl, "system.extra_kdl"),
  ];
  // The proxy requires a system block, even an empty one.
  return [node("system", [], children)];
}

function listenerNode(b: Builder, { name, spec }: Named<ListenerSpec>): KdlNode {
  const path = `listener/${name}`;
  const children: KdlNode[] = [
    node("address", [spec.address]),
    node("protocol", [spec.protocol]),
    ...optional("request-timeout-secs", spec.request_timeout_secs),
    ...optional("keepalive-timeout-secs", spec.keepalive_timeout_secs),
  ];
  if (spec.default_route !== null) {
    b.need(
      b.has(b.model.services, spec.default_route),
      `${path}.default_route`,
      `service '${spec.default_route}' does not exist`,
    );
    children.push(node("default-route", [spec.default_route]));
  }
  const certs = spec.certificates.flatMap((certName, i) => {
    const cert = b.model.certificates.find((c) => c.name === certName);
    return b.need(
      cert !== undefined,
      `${path}.certificates.${i}`,
      `certificate '${certName}' does not exist`,
    ) && cert
      ? [cert]
      : [];
  });
  const [first, ...others] = certs;
  if (first) {
    const files = (n: string) => {
      b.ref("certificate", n);
      const p = certificatePaths(b.secretsDir, n);
      return [node("cert-file", [p.cert]), node("key-file", [p.key])];
    };
    const tls = [
      ...files(first.name),
      ...optional("min-version", spec.tls_min_version),
      ...others.map((c) => {
        b.need(
          c.sans.length > 0,
          `${path}.certificates`,
          `certificate '${c.name}' has no SANs to select it by SNI`,
        );
        return node("sni", [], [node("hostnames", [...c.sans]), ...files(c.name)]);
      }),
    ];
    children.push(node("tls", [], tls));
  } else if (spec.tls_min_version !== null) {
    b.need(false, `${path}.tls_min_version`, "needs at least one certificate");
  }
  children.push(...b.raw(spec.extra_kdl, `${path}.extra_kdl`));
  return node("listener", [name], children);
}

function serviceNode(b: Builder, { name, spec }: Named<ServiceSpec>): KdlNode {
  const path = `service/${name}`;
  const m = spec.match;
  const matches = [
    ...m.hosts.map((h) => node("host", [h])),
    ...m.path_prefixes.map((p) => node("path-prefix", [p])),
    ...m.paths.map((p) => node("path", [p])),
    ...m.methods.map((x) => node("method", [x])),
  ];
  const children: KdlNode[] = [node("priority", [spec.priority])];
  if (matches.length > 0) {
    children.push(node("matches", [], matches));
  }
  if (spec.upstream_group !== null) {
    b.need(
      b.has(b.model.upstreamGroups, spec.upstream_group),
      `${path}.upstream_group`,
      `upstream group '${spec.upstream_group}' does not exist`,
    );
    children.push(node("upstream", [spec.upstream_group]));
  }
  if (spec.static_root !== null) {
    children.push(node("static-files", [], [node("root", [spec.static_root])]));
  }
  children.push(...optional("builtin-handler", spec.builtin_handler));
  const filters: string[] = [];
  if (spec.auth_policy !== null) {
    b.need(
      b.has(b.model.authPolicies, spec.auth_policy),
      `${path}.auth_policy`,
      `auth policy '${spec.auth_policy}' does not exist`,
    );
    filters.push(POLICY_FILTER_PREFIX.auth + spec.auth_policy);
  }
  if (spec.waf_policy !== null) {
    b.need(
      b.has(b.model.wafPolicies, spec.waf_policy),
      `${path}.waf_policy`,
      `WAF policy '${spec.waf_policy}' does not exist`,
    );
    filters.push(POLICY_FILTER_PREFIX.waf + spec.waf_policy);
  }
  for (const [i, mw] of spec.middlewares.entries()) {
    b.need(
      b.has(b.model.middlewares, mw),
      `${path}.middlewares.${i}`,
      `middleware '${mw}' does not exist`,
    );
    filters.push(mw);
  }
  for (const [i, p] of spec.plugins.entries()) {
    b.need(b.has(b.model.plugins, p), `${path}.plugins.${i}`, `plugin '${p}' does not exist`);
    filters.push(POLICY_FILTER_PREFIX.plugin + p);
  }
  for (const f of filters) {
    b.usedFilters.add(f);
  }
  if (filters.length > 0) {
    children.push(node("filters", filters));
  }
  children.push(...b.raw(spec.extra_kdl, `${path}.extra_kdl`));
  return node("route", [name], children);
}

function upstreamNode(b: Builder, { name, spec }: Named<UpstreamGroupSpec>): KdlNode {
  const children: KdlNode[] = spec.targets.map((t) =>
    node("target", [t.address], null, [["weight", t.weight]]),
  );
  children.push(node("load-balancing", [spec.load_balancing]));
  const hc = spec.health_check;
  if (hc !== null) {
    const typeChildren = [
      ...optional("path", hc.type === "http" ? hc.path : null),
      ...optional(
        "expected-status",
        hc.type === "http" && hc.expected_status !== null ? String(hc.expected_status) : null,
      ),
    ];
    children.push(
      node(
        "health-check",
        [],
        [
          node("type", [hc.type], typeChildren.length > 0 ? typeChildren : null),
          node("interval-secs", [hc.interval_secs]),
          node("timeout-secs", [hc.timeout_secs]),
          node("healthy-threshold", [hc.healthy_threshold]),
          node("unhealthy-threshold", [hc.unhealthy_threshold]),
        ],
      ),
    );
  }
  const t = spec.timeouts;
  if (t !== null) {
    children.push(
      node(
        "timeouts",
        [],
        [
          ...optional("connect", t.connect_secs),
          ...optional("request", t.request_secs),
          ...optional("read", t.read_secs),
          ...optional("write", t.write_secs),
        ],
      ),
    );
  }
  if (spec.tls !== null) {
    children.push(
      node(
        "tls",
        [],
        [
          ...optional("sni", spec.tls.sni),
          ...(spec.tls.insecure_skip_verify ? [node("insecure-skip-verify", [true])] : []),
        ],
      ),
    );
  }
  children.push(...b.raw(spec.extra_kdl, `upstream_group/${name}.extra_kdl`));
  return node("upstream", [name], children);
}

function settingNode(key: string, value: SettingValue): KdlNode {
  if (Array.isArray(value)) {
    return node(key, value);
  }
  if (typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
    return node(
      key,
      [],
      entries.map(([k, v]) => node(k, [v])),
    );
  }
  return node(key, [value]);
}

const sortedEntries = <V>(record: Record<string, V>): Array<[string, V]> =>
  Object.entries(record).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));

function filterNode(b: Builder, { name, spec }: Named<MiddlewareSpec>): KdlNode {
  const path = `middleware/${name}`;
  b.need(!name.startsWith("zcp."), `${path}.name`, "names starting 'zcp.' are reserved");
  if (spec.type === "agent") {
    const agent = spec.settings.agent;
    const agents = [...b.model.plugins, ...b.model.authPolicies, ...b.model.wafPolicies];
    b.need(
      typeof agent === "string" && b.has(agents, agent),
      `${path}.settings.agent`,
      typeof agent === "string"
        ? `plugin or policy '${agent}' does not exist`
        : "an agent middleware needs settings.agent",
    );
  }
  return node(
    "filter",
    [name],
    [
      node("type", [spec.type]),
      ...sortedEntries(spec.settings).map(([k, v]) => settingNode(k, v)),
      ...b.raw(spec.extra_kdl, `${path}.extra_kdl`),
    ],
  );
}

function configValue(b: Builder, path: string, value: ConfigValue): KdlValue {
  if (typeof value !== "object") {
    return value;
  }
  b.need(b.has(b.model.secrets, value.secret), path, `secret '${value.secret}' does not exist`);
  b.ref("secret", value.secret);
  return secretPath(b.secretsDir, value.secret);
}

function agentNode(
  b: Builder,
  kind: "plugin" | "auth_policy" | "waf_policy",
  { name, spec }: Named<PluginSpec | AuthPolicySpec>,
  type: string | null,
): KdlNode {
  const path = `${kind}/${name}`;
  const children: KdlNode[] = [];
  const t = spec.transport;
  if (t !== null) {
    const target = t.type === "unix-socket" ? t.path : t.type === "grpc" ? t.address : t.url;
    children.push(node(t.type, [target]));
  }
  children.push(
    ...optional("timeout-ms", spec.timeout_ms),
    ...optional("failure-mode", spec.failure_mode),
  );
  if (spec.events.length > 0) {
    children.push(node("events", [...spec.events]));
  }
  const config = sortedEntries(spec.config);
  if (config.length > 0) {
    children.push(
      node(
        "config",
        [],
        config.map(([k, v]) => node(k, [configValue(b, `${path}.config.${k}`, v)])),
      ),
    );
  }
  children.push(...b.raw(spec.extra_kdl, `${path}.extra_kdl`));
  return node("agent", [name], children, type === null ? [] : [["type", type]]);
}

function policyFilter(prefix: string, agent: string): KdlNode {
  return node("filter", [prefix + agent], [node("type", ["agent"]), node("agent", [agent])]);
}

function checkAgentNames(b: Builder): void {
  const seen = new Map<string, string>();
  const all: Array<[string, { name: string }]> = [
    ...b.model.plugins.map((p) => ["plugin", p] as [string, { name: string }]),
    ...b.model.authPolicies.map((p) => ["auth_policy", p] as [string, { name: string }]),
    ...b.model.wafPolicies.map((p) => ["waf_policy", p] as [string, { name: string }]),
  ];
  for (const [kind, e] of all) {
    const other = seen.get(e.name);
    b.need(
      other === undefined,
      `${kind}/${e.name}`,
      `the name is also used by ${other} '${e.name}' (agents share one id space)`,
    );
    seen.set(e.name, kind);
  }
}

async function digestOf(
  model: ConfigModelInput,
  refs: readonly SecretReference[],
): Promise<string | null> {
  if (refs.length === 0) {
    return null;
  }
  const versions = refs.map((r) => {
    const found =
      r.kind === "secret"
        ? model.secrets.find((s) => s.name === r.name)
        : model.certificates.find((c) => c.name === r.name);
    return `${r.kind}/${r.name}@${found ? `${found.id}:${found.version}` : "missing"}`;
  });
  const bytes = new TextEncoder().encode(versions.join("\n"));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...hash].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Header line naming the generator (first line of every generated entry file). */
export const GENERATED_HEADER =
  "Generated by the Zentinel control plane from the project's config model.";

/** Generates the entry file of a model. */
export async function generateConfig(model: ConfigModelInput): Promise<GeneratedConfig> {
  const b = new Builder(model);
  checkAgentNames(b);
  const nodes: KdlNode[] = [node("schema-version", ["1.0"]), ...systemBlock(b, model.system)];
  const block = (name: string, children: KdlNode[]) => {
    if (children.length > 0) {
      nodes.push(node(name, [], children));
    }
  };
  block(
    "listeners",
    byName(model.listeners).map((l) => listenerNode(b, l)),
  );
  block(
    "routes",
    byName(model.services).map((s) => serviceNode(b, s)),
  );
  block(
    "upstreams",
    byName(model.upstreamGroups).map((u) => upstreamNode(b, u)),
  );
  const attached = (prefix: string, items: ReadonlyArray<{ name: string }>) =>
    byName(items)
      .filter((p) => b.usedFilters.has(prefix + p.name))
      .map((p) => policyFilter(prefix, p.name));
  block("filters", [
    ...byName(model.middlewares).map((m) => filterNode(b, m)),
    ...attached(POLICY_FILTER_PREFIX.auth, model.authPolicies),
    ...attached(POLICY_FILTER_PREFIX.waf, model.wafPolicies),
    ...attached(POLICY_FILTER_PREFIX.plugin, model.plugins),
  ]);
  block("agents", [
    ...byName(model.authPolicies).map((p) => agentNode(b, "auth_policy", p, "auth")),
    ...byName(model.wafPolicies).map((p) => agentNode(b, "waf_policy", p, "waf")),
    ...byName(model.plugins).map((p) => agentNode(b, "plugin", p, p.spec.agent_type)),
  ]);
  nodes.push(...b.raw(model.system.document_kdl, "system.document_kdl"));
  const secretRefs = [...b.refs.values()].sort((x, y) =>
    x.kind === y.kind ? (x.name < y.name ? -1 : 1) : x.kind < y.kind ? -1 : 1,
  );
  const digest = await digestOf(model, secretRefs);
  const comments = [GENERATED_HEADER];
  if (digest !== null) {
    comments.push(`secret-versions: sha256:${digest} (ids and versions, never values)`);
  }
  return {
    text: renderDocument(nodes, comments),
    nodes,
    problems: b.problems,
    secretRefs,
    secretVersionsDigest: digest,
  };
}
