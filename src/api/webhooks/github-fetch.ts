/** Fetches a file of a GitHub repository at a commit, through an injectable fetch. */

/** How long fetching the config may take. */
export const GITHUB_FETCH_TIMEOUT_MS = 15_000;
/** Largest config accepted from GitHub (the API's own body limit). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** The network: the runtime's fetch in production, a stand-in in tests. */
export type Fetcher = (request: Request) => Promise<Response>;

/** The config text, or why it could not be read. */
export type FetchedConfig = { ok: true; text: string } | { ok: false; reason: string };

/** `https://raw.githubusercontent.com/<repo>/<sha>/<path>` (each path segment encoded). */
export function rawFileUrl(repo: string, sha: string, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `https://raw.githubusercontent.com/${repo}/${sha}/${encoded}`;
}

/**
 * Reads `path` at commit `sha`. A token (for private repositories) is sent as
 * `Authorization: token …`. Never throws: network errors and non-2xx answers become reasons.
 */
export async function fetchConfigAtCommit(
  fetcher: Fetcher,
  target: { repo: string; sha: string; path: string; token: string | null },
): Promise<FetchedConfig> {
  const headers: Record<string, string> = { "user-agent": "zentinel-control-plane" };
  if (target.token !== null) {
    headers.authorization = `token ${target.token}`;
  }
  const request = new Request(rawFileUrl(target.repo, target.sha, target.path), {
    headers,
    signal: AbortSignal.timeout(GITHUB_FETCH_TIMEOUT_MS),
  });
  let res: Response;
  try {
    res = await fetcher(request);
  } catch (err) {
    return { ok: false, reason: `fetching ${target.path} failed: ${String(err)}` };
  }
  if (!res.ok) {
    const hint =
      res.status === 404 && target.token === null ? " (a private repository needs a token)" : "";
    return {
      ok: false,
      reason: `fetching ${target.path} at ${target.sha} gave HTTP ${res.status}${hint}`,
    };
  }
  const text = await res.text();
  if (new TextEncoder().encode(text).byteLength > MAX_CONFIG_BYTES) {
    return { ok: false, reason: `${target.path} is larger than ${MAX_CONFIG_BYTES} bytes` };
  }
  return { ok: true, text };
}
