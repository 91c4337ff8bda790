/**
 * First-run enrollment: register with the enrollment token and turn the answer into the identity
 * the agent persists (node id, node key, pinned signing keys, intervals).
 */
import { hostname } from "node:os";
import { type AgentConfig, type AgentDeps, AgentFatalError } from "./config";
import { type HttpClient, RequestError } from "./http";
import { registerNode } from "./protocol";
import type { Identity } from "./state";
import { AGENT_VERSION } from "./version";

/** What the agent announces it can do at registration. */
export const AGENT_CAPABILITIES = ["bundle-v1", "zstd", "ed25519"] as const;

/**
 * Registers the node. Refusals (bad token, name taken, …) become {@link AgentFatalError}s of kind
 * `enrollment`; transient failures (network, 5xx, 429 after retries) are rethrown as they are.
 */
export async function enroll(
  config: AgentConfig,
  deps: AgentDeps,
  http: HttpClient,
): Promise<Identity> {
  if (config.enrollmentToken === undefined || config.project === undefined) {
    throw new AgentFatalError(
      "enrollment",
      "not enrolled yet: --project and --enrollment-token are required",
    );
  }
  try {
    const res = await registerNode(http, config.project, config.enrollmentToken, {
      name: config.name,
      labels: config.labels,
      capabilities: [...AGENT_CAPABILITIES],
      version: `zentinel-agent/${AGENT_VERSION}`,
      hostname: hostname(),
    });
    return {
      schema: 1,
      url: config.url,
      project: config.project,
      name: config.name,
      node_id: res.node_id,
      node_key: res.node_key,
      signing_keys: res.signing_keys,
      poll_interval_s: res.poll_interval_s,
      heartbeat_interval_s: res.heartbeat_interval_s,
      registered_at: new Date(deps.now?.() ?? Date.now()).toISOString(),
    };
  } catch (error) {
    if (
      error instanceof RequestError &&
      error.status !== null &&
      error.status < 500 &&
      error.status !== 429 &&
      error.status !== 408
    ) {
      const hint =
        error.status === 409 ? ` (name ${config.name} is taken; pick another --name)` : "";
      throw new AgentFatalError("enrollment", `registration refused: ${error.message}${hint}`);
    }
    throw error;
  }
}
