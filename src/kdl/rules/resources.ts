/**
 * Semantic rules over global listeners, filters, upstreams and agents, the WAF hard error, and the
 * "unwired feature" warnings (`validation.rs`). Upstreams and filters are HashMaps in the proxy;
 * we iterate them in declaration order.
 */
import type { ListenerConfig } from "../schema/types.js";
import { formatAvailable, isU16, type RuleContext } from "./common.js";

/** A domain may appear in only one ACME block (root or SNI) across all listeners. */
export function checkAcmeDomains({ config, sink }: RuleContext): void {
  const sources = new Map<string, string>();
  const claim = (domain: string, source: string, listener: ListenerConfig) => {
    const key = domain.toLowerCase();
    const previous = sources.get(key);
    sources.set(key, source);
    if (previous !== undefined) {
      sink.error(
        listener.node,
        `Domain '${domain}' is configured in multiple ACME blocks: ${previous} and ${source}.\nEach domain must be managed by exactly one ACME block to avoid conflicts.`,
        "acme-domain-duplicate",
      );
    }
  };
  for (const listener of config.listeners) {
    const tls = listener.tls;
    if (!tls) {
      continue;
    }
    for (const domain of tls.acme?.domains ?? []) {
      claim(domain, `listener '${listener.id}' (root acme)`, listener);
    }
    tls.sni.forEach((sni, index) => {
      for (const domain of sni.acme?.domains ?? []) {
        claim(domain, `listener '${listener.id}' (sni cert #${index})`, listener);
      }
    });
  }
}

/** Global agent filters must reference a global agent. */
export function checkFilters({ config, broken, sink }: RuleContext): void {
  const agentIds = config.agents.map((agent) => agent.id);
  for (const filter of config.filters.values()) {
    const agent = filter.agent;
    if (agent !== null && !agentIds.includes(agent) && !broken.agents.has(agent)) {
      sink.error(
        filter.node,
        `Filter '${filter.id}' references agent '${agent}' which doesn't exist.\nAvailable agents: ${formatAvailable(agentIds)}`,
        "filter-agent-ref",
      );
    }
  }
}

/** `HOST:PORT` check: the part after the last `:` must parse as u16 (SocketAddrs always pass). */
export function isValidTargetAddress(address: string): boolean {
  const colon = address.lastIndexOf(":");
  return colon >= 0 && isU16(address.slice(colon + 1));
}

/** Target address format of global upstreams. */
export function checkUpstreams({ config, sink }: RuleContext): void {
  for (const upstream of config.upstreams.values()) {
    if (upstream.targets.length === 0) {
      sink.error(
        upstream.node,
        `Upstream '${upstream.id}' has no targets defined.\nEach upstream must have at least one target.`,
        "upstream-no-targets",
      );
    }
    upstream.targets.forEach((target, index) => {
      if (!isValidTargetAddress(target.address)) {
        sink.error(
          upstream.node,
          `Upstream '${upstream.id}' target #${index + 1} has invalid address '${target.address}'.\nExpected format: HOST:PORT`,
          "upstream-target-address",
        );
      }
    });
  }
}

/** Zero timeouts and zero body limits of global agents. */
export function checkAgents({ config, sink }: RuleContext): void {
  for (const agent of config.agents) {
    const id = agent.id;
    if (agent.timeoutZero) {
      sink.error(
        agent.node,
        `Agent '${id}' has timeout_ms 0. Timeouts must be greater than 0.`,
        "agent-timeout",
      );
    }
    if (agent.chunkTimeoutZero) {
      sink.error(
        agent.node,
        `Agent '${id}' has chunk_timeout_ms 0. Timeouts must be greater than 0.`,
        "agent-timeout",
      );
    }
    if (agent.maxRequestBodyZero) {
      sink.error(
        agent.node,
        `Agent '${id}' has max_request_body_bytes 0. Use a positive limit, or omit the field for the default.`,
        "agent-body-limit",
      );
    }
    if (agent.maxResponseBodyZero) {
      sink.error(
        agent.node,
        `Agent '${id}' has max_response_body_bytes 0. Use a positive limit, or omit the field for the default.`,
        "agent-body-limit",
      );
    }
  }
}

/** Listener addresses must be unique (exact string comparison); ids are checked while parsing. */
export function checkDuplicateAddresses({ config, sink }: RuleContext): void {
  const seen = new Set<string>();
  for (const listener of config.listeners) {
    if (seen.has(listener.address)) {
      sink.error(
        listener.node,
        `Duplicate listener address '${listener.address}'. Multiple listeners cannot bind to the same address.`,
        "listener-duplicate-address",
      );
    }
    seen.add(listener.address);
  }
}

/** Any `waf` block whose mode is not `off` is a hard error: the WAF engine is not wired. */
export function checkWaf({ config, sink }: RuleContext): void {
  const waf = config.waf;
  if (waf && waf.mode !== "off") {
    sink.error(
      waf.node,
      `WAF mode is set to '${waf.mode}' but the WAF engine is not yet wired into the proxy runtime. Requests are NOT being inspected. Set waf mode to 'off' or remove the waf block until WAF support is implemented.`,
      "waf-not-wired",
    );
  }
}

/** Log-only warnings about parsed settings the proxy runtime ignores. */
export function warnUnwiredFeatures({ config, sink }: RuleContext): void {
  for (const listener of config.listeners) {
    const tls = listener.tls;
    if (tls && tls.cipherSuites.length > 0) {
      const list = `[${tls.cipherSuites.map((suite) => JSON.stringify(suite)).join(", ")}]`;
      sink.warn(
        listener.node,
        `Listener '${listener.id}' has TLS cipher_suites configured (${list}) but Pingora's TLS integration does not yet support custom cipher suites. The default rustls cipher suite selection is used.`,
        "unwired-feature",
      );
    }
    if (tls && tls.minVersion !== "TLS1.2") {
      sink.warn(
        listener.node,
        `Listener '${listener.id}' has TLS min_version set to '${tls.minVersion}' but Pingora's TLS integration does not yet apply this setting. Default TLS 1.2+ is used.`,
        "unwired-feature",
      );
    }
    if (tls?.maxVersion) {
      sink.warn(
        listener.node,
        `Listener '${listener.id}' has TLS max_version set to '${tls.maxVersion}' but Pingora's TLS integration does not yet apply this setting.`,
        "unwired-feature",
      );
    }
  }
  for (const listener of config.listeners) {
    if (listener.maxConcurrentStreams !== 100) {
      sink.warn(
        listener.node,
        `Listener '${listener.id}' has max_concurrent_streams=${listener.maxConcurrentStreams} but Pingora's H2 settings do not yet support per-listener configuration.`,
        "unwired-feature",
      );
    }
  }
  const observability = config.observability;
  if (
    observability &&
    (observability.loggingLevel !== "info" || observability.loggingFormat !== "json")
  ) {
    sink.warn(
      observability.node,
      `Logging level='${observability.loggingLevel}' and format='${observability.loggingFormat}' are configured but the tracing subscriber uses RUST_LOG env var and --verbose flag instead. Set RUST_LOG=${observability.loggingLevel} as a workaround.`,
      "unwired-feature",
    );
  }
}

/** WARN per global upstream that no global route references (skipped if a route failed to parse). */
export function warnOrphanUpstreams({ config, broken, sink }: RuleContext): void {
  if (broken.routes.size > 0) {
    return;
  }
  const referenced = new Set(config.routes.map((route) => route.upstream));
  for (const upstream of config.upstreams.values()) {
    if (!referenced.has(upstream.id)) {
      sink.warn(
        upstream.node,
        `Upstream '${upstream.id}' is defined but not referenced by any route.`,
        "upstream-unreferenced",
      );
    }
  }
}
