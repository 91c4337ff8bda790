/** Version of zentinel-agent, sent in its User-Agent and heartbeats. */
export const AGENT_VERSION = "0.1.0";
