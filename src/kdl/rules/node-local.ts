/**
 * Checks that need the node's filesystem or network cannot run in the control plane. Each one that
 * applies to the config is reported ONCE as a warning naming what was not checked.
 */
import type { Node } from "@bgotink/kdl";
import type { RuleContext } from "./common.js";

/** Keeps the warning readable for large configs. */
const MAX_LISTED_SUBJECTS = 5;

interface Skipped {
  rule: string;
  subjects: Array<{ node: Node; label: string }>;
  message: (labels: string) => string;
}

function report({ sink }: RuleContext, skipped: Skipped): void {
  const first = skipped.subjects[0];
  if (!first) {
    return;
  }
  const shown = skipped.subjects.slice(0, MAX_LISTED_SUBJECTS).map((subject) => subject.label);
  const hidden = skipped.subjects.length - shown.length;
  const labels = hidden > 0 ? `${shown.join(", ")} and ${hidden} more` : shown.join(", ");
  sink.warn(first.node, skipped.message(labels), skipped.rule);
}

/** Emits one warning per node-local check that the config would trigger on the proxy. */
export function warnNodeLocalChecks(ctx: RuleContext): void {
  const { config } = ctx;
  report(ctx, {
    rule: "node-local-static-root",
    subjects: config.routes
      .filter((route) => route.staticRoot !== null)
      .map((route) => ({
        node: route.node,
        label: `route '${route.id}' root '${route.staticRoot}'`,
      })),
    message: (labels) =>
      `Skipped node-local check: static-files root directories must exist on the node (${labels})`,
  });
  report(ctx, {
    rule: "node-local-agent-socket",
    subjects: config.agents
      .filter((agent) => agent.transport.kind === "unix-socket")
      .map((agent) => ({
        node: agent.node,
        label: `agent '${agent.id}' socket '${agent.transport.endpoint}'`,
      })),
    message: (labels) =>
      `Skipped node-local check: unix-socket parent directories must exist on the node (${labels})`,
  });
  report(ctx, {
    rule: "skipped-certs",
    subjects: config.listeners
      .filter((listener) => listener.tls !== null)
      .map((listener) => ({ node: listener.node, label: `listener '${listener.id}'` })),
    message: (labels) =>
      `Skipped certificate checks (--skip-certs): certificate files, keys and ACME storage are checked on the node (${labels})`,
  });
  report(ctx, {
    rule: "skipped-network",
    subjects: [...config.upstreams.values()].map((upstream) => ({
      node: upstream.node,
      label: `upstream '${upstream.id}'`,
    })),
    message: (labels) =>
      `Skipped upstream reachability checks (--skip-network): targets are only reachable from the node (${labels})`,
  });
  report(ctx, {
    rule: "skipped-agents",
    subjects: config.agents.map((agent) => ({ node: agent.node, label: `agent '${agent.id}'` })),
    message: (labels) =>
      `Skipped agent checks (--skip-agents): sockets and agent URLs are checked on the node (${labels})`,
  });
}
