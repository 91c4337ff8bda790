/**
 * Route `inference { … }` (§2.5.1). Sub-blocks are parsed in the proxy's order: provider,
 * rate-limit, routing, budget, cost-attribution, model-routing, guardrails.
 */
import type { Node } from "@bgotink/kdl";
import { fail } from "../diagnostics.js";
import {
  child,
  childNodes,
  entryString,
  firstString,
  getFloat,
  getInt,
  getString,
} from "../values.js";

const RULE = "route-inference";

function checkEnum(
  node: Node,
  key: string,
  allowed: readonly string[],
  message: (value: string) => string,
): void {
  const value = getString(node, key);
  if (value !== null && !allowed.includes(value)) {
    fail(child(node, key) ?? node, message(value), RULE);
  }
}

function parseRateLimit(node: Node): void {
  if (getInt(node, "tokens-per-minute") === null) {
    fail(node, "Token rate limit requires 'tokens-per-minute'", RULE);
  }
  checkEnum(
    node,
    "estimation-method",
    ["chars", "characters", "words", "tiktoken"],
    (value) => `Unknown token estimation method '${value}'. Valid methods: chars, words, tiktoken`,
  );
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Rust `str::parse::<u64>()`: optional `+`, ASCII digits, in range. */
function isU64(text: string): boolean {
  return /^\+?\d+$/.test(text) && BigInt(text.replace("+", "")) <= U64_MAX;
}

function parseBudget(node: Node): void {
  const period = getString(node, "period");
  if (period !== null && !["hourly", "daily", "monthly"].includes(period) && !isU64(period)) {
    fail(
      child(node, "period") ?? node,
      `Unknown budget period '${period}'. Valid periods: hourly, daily, monthly, or a number of seconds`,
      RULE,
    );
  }
  if (getInt(node, "limit") === null) {
    fail(node, "Token budget requires 'limit'", RULE);
  }
}

function parseCostAttribution(node: Node): void {
  const pricing = child(node, "pricing");
  for (const model of pricing ? childNodes(pricing) : []) {
    if (model.name.name !== "model") {
      continue;
    }
    if (firstString(model) === null) {
      fail(model, "Model pricing requires a pattern argument", RULE);
    }
    if (getFloat(model, "input-cost-per-million") === null) {
      fail(model, "Model pricing requires 'input-cost-per-million'", RULE);
    }
    if (getFloat(model, "output-cost-per-million") === null) {
      fail(model, "Model pricing requires 'output-cost-per-million'", RULE);
    }
  }
}

function parseModelRouting(node: Node): void {
  for (const model of childNodes(node)) {
    if (model.name.name !== "model") {
      continue;
    }
    const pattern = entryString(model.entries.find((entry) => entry.name === null));
    if (pattern === null) {
      continue;
    }
    const upstream = entryString(model.entries.find((entry) => entry.name?.name === "upstream"));
    if (upstream === null) {
      fail(model, "Model mapping requires 'upstream' attribute", RULE);
    }
  }
}

function parseGuard(node: Node, label: string, actions: readonly string[], actionWord: string) {
  if (getString(node, "agent") === null) {
    fail(node, `${label} config requires 'agent' field`, RULE);
  }
  checkEnum(
    node,
    "action",
    actions,
    (value) => `Unknown ${actionWord} '${value}'. Valid actions: ${actions.join(", ")}`,
  );
  checkEnum(
    node,
    "failure-mode",
    ["open", "closed"],
    (value) => `Unknown failure mode '${value}'. Valid modes: open, closed`,
  );
}

function parseGuardrails(node: Node): void {
  const prompt = child(node, "prompt-injection");
  if (prompt) {
    parseGuard(prompt, "Prompt injection", ["block", "log", "warn"], "guardrail action");
  }
  const pii = child(node, "pii-detection");
  if (pii) {
    parseGuard(pii, "PII detection", ["log", "redact", "block"], "PII action");
  }
}

/** Parses `inference { … }`; returns whether token rate limiting is configured. */
export function parseInference(node: Node): { rateLimit: boolean } {
  checkEnum(
    node,
    "provider",
    ["openai", "open-ai", "open_ai", "anthropic", "generic"],
    (value) => `Unknown inference provider '${value}'. Valid providers: openai, anthropic, generic`,
  );
  const rateLimit = child(node, "rate-limit");
  if (rateLimit) {
    parseRateLimit(rateLimit);
  }
  const routing = child(node, "routing");
  if (routing) {
    checkEnum(
      routing,
      "strategy",
      [
        "least-tokens-queued",
        "least_tokens_queued",
        "round-robin",
        "round_robin",
        "least-latency",
        "least_latency",
      ],
      (value) =>
        `Unknown inference routing strategy '${value}'. Valid strategies: least-tokens-queued, round-robin, least-latency`,
    );
  }
  const budget = child(node, "budget");
  if (budget) {
    parseBudget(budget);
  }
  const cost = child(node, "cost-attribution");
  if (cost) {
    parseCostAttribution(cost);
  }
  const modelRouting = child(node, "model-routing");
  if (modelRouting) {
    parseModelRouting(modelRouting);
  }
  const guardrails = child(node, "guardrails");
  if (guardrails) {
    parseGuardrails(guardrails);
  }
  return { rateLimit: rateLimit !== undefined };
}
