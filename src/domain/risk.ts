/**
 * Risk scoring of a new bundle against the previous compiled bundle of the same project, from the
 * parsed configs (never regexes over KDL text). Informational: shown to operators and usable by
 * approval policies; it never blocks a compile.
 *
 * Levels (the highest matching rule wins):
 * - high: authentication, TLS or WAF behaviour changed (a route gained or lost auth/WAF, an auth
 *   or WAF agent changed, a listener's or upstream's TLS changed, the global WAF block changed);
 * - medium: an upstream was removed, rate limiting changed (route, filter, agent or global), or
 *   more than {@link MANY_ROUTE_CHANGES} routes were added, removed or changed;
 * - low: anything else.
 * Reasons are human-readable sentences naming the items, high ones first, each list sorted by id.
 */
import type {
  AgentModel,
  ConfigModel,
  ListenerModel,
  RouteModel,
  UpstreamModel,
} from "../kdl/model";
import {
  changeCount,
  changedFields,
  compareIds,
  diffConfigs,
  indexById,
  jsonEqual,
} from "./config-diff";

/** Risk levels, lowest first. */
export const RISK_LEVELS = ["low", "medium", "high"] as const;

/** One of {@link RISK_LEVELS}. */
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The outcome of {@link assessRisk}. */
export interface RiskAssessment {
  level: RiskLevel;
  reasons: string[];
}

/** More added + removed + changed routes than this is a medium-risk change by itself. */
export const MANY_ROUTE_CHANGES = 10;

/** Reason given when there is no previous compiled bundle. */
export const NO_BASELINE_REASON = "first compiled bundle of the project: nothing to compare with";

interface Finding {
  level: Exclude<RiskLevel, "low">;
  reason: string;
}

const high = (reason: string): Finding => ({ level: "high", reason });
const medium = (reason: string): Finding => ({ level: "medium", reason });

/** Items present on both sides, as [before, after] pairs in id order. */
function pairs<T extends { qualifiedId: string }>(before: readonly T[], after: readonly T[]) {
  const old = indexById(before);
  return [...indexById(after)]
    .sort(([a], [b]) => compareIds(a, b))
    .flatMap(([id, item]) => {
      const previous = old.get(id);
      return previous === undefined ? [] : [{ id, before: previous, after: item }];
    });
}

/** "gained"/"lost" findings for one boolean route policy. */
function routePolicyFindings(
  before: ConfigModel,
  after: ConfigModel,
  policy: "auth" | "waf" | "rateLimit",
  level: Finding["level"],
  nouns: { gained: string; lost: string },
): Finding[] {
  return pairs<RouteModel>(before.routes, after.routes).flatMap(({ id, before: b, after: a }) => {
    if (b.policies[policy] === a.policies[policy]) {
      return [];
    }
    const reason = a.policies[policy]
      ? `route '${id}' gained ${nouns.gained}`
      : `route '${id}' lost ${nouns.lost}`;
    return [{ level, reason }];
  });
}

/** Added, removed and changed agents of one type. */
function agentFindings(
  before: ConfigModel,
  after: ConfigModel,
  type: AgentModel["type"],
  label: string,
  level: Finding["level"],
): Finding[] {
  const ofType = (m: ConfigModel) => m.agents.filter((agent) => agent.type === type);
  const diff = diffConfigs(
    { ...before, agents: ofType(before) },
    { ...after, agents: ofType(after) },
  ).agents;
  // An agent whose type changed to or from `type` shows up as added/removed here.
  return [
    ...diff.added.map((id) => ({ level, reason: `${label} agent '${id}' added` })),
    ...diff.removed.map((id) => ({ level, reason: `${label} agent '${id}' removed` })),
    ...diff.changed.map((c) => ({
      level,
      reason: `${label} agent '${c.id}' changed (${c.fields.join(", ")})`,
    })),
  ];
}

function listenerTlsFindings(before: ConfigModel, after: ConfigModel): Finding[] {
  const out: Finding[] = [];
  const old = indexById<ListenerModel>(before.listeners);
  const next = indexById<ListenerModel>(after.listeners);
  for (const [id, listener] of [...next].sort(([a], [b]) => compareIds(a, b))) {
    const previous = old.get(id);
    if (previous === undefined) {
      if (listener.tls) {
        out.push(high(`TLS listener '${id}' added`));
      }
    } else if (previous.tls !== listener.tls) {
      out.push(high(`listener '${id}' ${listener.tls ? "now uses" : "no longer uses"} TLS`));
    } else if (!jsonEqual(previous.tlsConfig, listener.tlsConfig)) {
      const fields =
        previous.tlsConfig && listener.tlsConfig
          ? changedFields(previous.tlsConfig, listener.tlsConfig)
          : [];
      out.push(high(`listener '${id}' TLS settings changed (${fields.join(", ")})`));
    }
  }
  for (const [id, listener] of old) {
    if (!next.has(id) && listener.tls) {
      out.push(high(`TLS listener '${id}' removed`));
    }
  }
  return out;
}

function upstreamTlsFindings(before: ConfigModel, after: ConfigModel): Finding[] {
  return pairs<UpstreamModel>(before.upstreams, after.upstreams).flatMap(
    ({ id, before: b, after: a }) =>
      b.tls === a.tls
        ? []
        : [high(`upstream '${id}' ${a.tls ? "now uses" : "no longer uses"} TLS to its backends`)],
  );
}

function wafFindings(before: ConfigModel, after: ConfigModel): Finding[] {
  const b = before.waf;
  const a = after.waf;
  if (jsonEqual(b, a)) {
    return [];
  }
  if (b === null) {
    return [high("global WAF block added")];
  }
  if (a === null) {
    return [high("global WAF block removed")];
  }
  const out: Finding[] = [];
  if (b.mode !== a.mode) {
    out.push(high(`WAF mode changed from ${b.mode} to ${a.mode}`));
  }
  if (b.engine !== a.engine) {
    out.push(high(`WAF engine changed from ${b.engine} to ${a.engine}`));
  }
  if (b.paranoiaLevel !== a.paranoiaLevel) {
    out.push(high(`WAF paranoia level changed from ${b.paranoiaLevel} to ${a.paranoiaLevel}`));
  }
  return out;
}

function rateLimitFindings(before: ConfigModel, after: ConfigModel): Finding[] {
  const out: Finding[] = [];
  if (!jsonEqual(before.rateLimits, after.rateLimits)) {
    out.push(medium("global rate limits changed"));
  }
  const rateFilters = (m: ConfigModel) => m.filters.filter((f) => f.type === "rate-limit");
  const filters = diffConfigs(
    { ...before, filters: rateFilters(before) },
    { ...after, filters: rateFilters(after) },
  ).filters;
  out.push(
    ...filters.added.map((id) => medium(`rate-limit filter '${id}' added`)),
    ...filters.removed.map((id) => medium(`rate-limit filter '${id}' removed`)),
    ...filters.changed.map((c) =>
      medium(`rate-limit filter '${c.id}' changed (${c.fields.join(", ")})`),
    ),
  );
  out.push(
    ...routePolicyFindings(before, after, "rateLimit", "medium", {
      gained: "a rate limit",
      lost: "its rate limit",
    }),
  );
  out.push(...agentFindings(before, after, "rate_limit", "rate-limit", "medium"));
  return out;
}

/**
 * Scores `next` against `previous` (the latest compiled bundle's config before this one), or
 * returns low with {@link NO_BASELINE_REASON} when there is none.
 */
export function assessRisk(previous: ConfigModel | null, next: ConfigModel): RiskAssessment {
  if (previous === null) {
    return { level: "low", reasons: [NO_BASELINE_REASON] };
  }
  const diff = diffConfigs(previous, next);
  const findings: Finding[] = [
    ...routePolicyFindings(previous, next, "auth", "high", {
      gained: "an auth policy",
      lost: "its auth policy",
    }),
    ...agentFindings(previous, next, "auth", "auth", "high"),
    ...listenerTlsFindings(previous, next),
    ...upstreamTlsFindings(previous, next),
    ...wafFindings(previous, next),
    ...routePolicyFindings(previous, next, "waf", "high", {
      gained: "WAF protection",
      lost: "its WAF protection",
    }),
    ...agentFindings(previous, next, "waf", "WAF", "high"),
    ...diff.upstreams.removed.map((id) => medium(`upstream '${id}' removed`)),
    ...rateLimitFindings(previous, next),
  ];
  const routeChanges = changeCount(diff.routes);
  if (routeChanges > MANY_ROUTE_CHANGES) {
    findings.push(
      medium(
        `${routeChanges} routes changed (${diff.routes.added.length} added, ` +
          `${diff.routes.removed.length} removed, ${diff.routes.changed.length} modified; ` +
          `more than ${MANY_ROUTE_CHANGES})`,
      ),
    );
  }
  const highs = findings.filter((f) => f.level === "high").map((f) => f.reason);
  const mediums = findings.filter((f) => f.level === "medium").map((f) => f.reason);
  const level: RiskLevel = highs.length > 0 ? "high" : mediums.length > 0 ? "medium" : "low";
  return { level, reasons: [...highs, ...mediums] };
}
