/**
 * Client side of the node API (`api.md`, "Node API"), shared by `zentinel-agent` and the fleet
 * simulator. Paths, headers and field names are exactly the contract's; responses are checked
 * with zod so a drifting server fails loudly instead of half-working.
 *
 * Authentication: with `auth: "jwt"` the client exchanges its static node key for a JWT
 * (`POST /nodes/{id}/token`) and refreshes it when a quarter of its lifetime is left. When the
 * token route fails, or a JWT is refused (401), it falls back to the static key, which stays
 * valid until rotated, and tries the token route again later with backoff.
 */
import type { z } from "zod";
import { type BackoffPolicy, backoffDelayMs, type Random } from "./backoff";
import { type HttpClient, RequestError } from "./http";
import { required } from "./register";
import {
  API_PREFIX,
  type BundleOffer,
  configResponseSchema,
  eventsResponseSchema,
  type HeartbeatRequest,
  type HeartbeatResponse,
  heartbeatResponseSchema,
  NODE_KEY_HEADER,
  type NodeEvent,
  okSchema,
  type PollResult,
  pollResponseSchema,
  type ReportBody,
  type ReportKind,
  type SigningKeyInfo,
  secretsResponseSchema,
  signingKeysResponseSchema,
  type TelemetryRequest,
  telemetryResponseSchema,
  tokenResponseSchema,
} from "./wire";

export { registerNode } from "./register";
export * from "./wire";

/** What a node needs to authenticate. */
export interface NodeCredentials {
  readonly nodeId: string;
  readonly nodeKey: string;
}

/** Construction options of {@link NodeClient}. */
export interface NodeClientOptions {
  readonly http: HttpClient;
  readonly credentials: NodeCredentials;
  /** `jwt`: exchange the key for short-lived JWTs (the default for real nodes); `key`: static key. */
  readonly auth: "jwt" | "key";
  readonly now?: () => number;
  readonly random?: Random;
  /** Called when the token route fails; the client keeps working with the static key. */
  readonly onTokenError?: (error: unknown) => void;
  /** Backoff between failed token refreshes. */
  readonly tokenBackoff?: BackoffPolicy;
}

/** Refresh once this fraction of the token lifetime is left. */
const TOKEN_REFRESH_REMAINING_FRACTION = 0.25;
/** Never send a JWT with less than this left: clock skew and request latency eat into it. */
const TOKEN_MIN_REMAINING_MS = 60_000;
/** Redirects followed by a download (e.g. control plane → signed storage URL). */
export const MAX_DOWNLOAD_REDIRECTS = 3;
const DEFAULT_TOKEN_BACKOFF: BackoffPolicy = { baseMs: 30_000, capMs: 30 * 60_000 };

/** An authenticated node's view of the node API. */
export class NodeClient {
  private token: { value: string; expiresAtMs: number; lifetimeMs: number } | null = null;
  private tokenFailures = 0;
  private nextTokenAttemptMs = 0;
  private readonly now: () => number;
  private readonly random: Random;

  constructor(private readonly options: NodeClientOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** The node id this client speaks for. */
  get nodeId(): string {
    return this.options.credentials.nodeId;
  }

  /** True while requests go out with a JWT rather than the static key. */
  get usingToken(): boolean {
    return this.token !== null;
  }

  private get base(): string {
    return `${API_PREFIX}/nodes/${encodeURIComponent(this.nodeId)}`;
  }

  /**
   * Exchanges the static key for a JWT now. Returns the expiry (epoch ms). Always authenticates
   * with the static key, so a refresh works even after the current JWT expired.
   */
  async refreshToken(signal?: AbortSignal): Promise<number> {
    const route = "POST /nodes/:id/token";
    const res = await this.options.http.requestJson(
      {
        method: "POST",
        route,
        path: `${this.base}/token`,
        headers: { [NODE_KEY_HEADER]: this.options.credentials.nodeKey },
        signal,
      },
      tokenResponseSchema,
    );
    const data = required(res.data, route);
    const lifetimeMs = data.expires_in * 1000;
    // expires_in (relative) rather than expires_at: immune to clock skew between node and server.
    this.token = { value: data.token, expiresAtMs: this.now() + lifetimeMs, lifetimeMs };
    this.tokenFailures = 0;
    return this.token.expiresAtMs;
  }

  private async ensureToken(signal?: AbortSignal): Promise<void> {
    if (this.options.auth !== "jwt") {
      return;
    }
    const now = this.now();
    const token = this.token;
    const fresh =
      token !== null &&
      token.expiresAtMs - now >
        Math.max(TOKEN_MIN_REMAINING_MS, token.lifetimeMs * TOKEN_REFRESH_REMAINING_FRACTION);
    if (fresh || now < this.nextTokenAttemptMs) {
      return;
    }
    try {
      await this.refreshToken(signal);
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      const delay = backoffDelayMs(
        this.options.tokenBackoff ?? DEFAULT_TOKEN_BACKOFF,
        this.tokenFailures,
        this.random,
      );
      this.tokenFailures += 1;
      this.nextTokenAttemptMs = now + delay;
      this.options.onTokenError?.(error);
    }
  }

  /**
   * The push socket's URL (`ws:`/`wss:` on the control plane's origin) and the credential
   * headers for its upgrade: the JWT or node key goes in a header, never in the URL.
   */
  async pushTarget(
    signal?: AbortSignal,
  ): Promise<{ url: string; headers: Record<string, string> }> {
    await this.ensureToken(signal);
    const url = new URL(`${this.options.http.baseUrl}${this.base}/socket`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return { url: url.toString(), headers: this.authHeaders() };
  }

  /** Forgets the JWT (the push socket was closed 4401): the next request uses the key. */
  dropToken(): void {
    this.token = null;
  }

  private authHeaders(): Record<string, string> {
    const token = this.token;
    if (token !== null && token.expiresAtMs - this.now() > TOKEN_MIN_REMAINING_MS) {
      return { authorization: `Bearer ${token.value}` };
    }
    return { [NODE_KEY_HEADER]: this.options.credentials.nodeKey };
  }

  /**
   * Sends an authenticated request. A 401 on a JWT drops the token and repeats the request once
   * with the static key (the JWT may have been signed by a key the control plane since retired);
   * a 401 on the static key is final: the node was revoked or its key rotated.
   */
  private async authed<S extends z.ZodType>(
    spec: {
      method: "GET" | "POST";
      route: string;
      path?: string;
      url?: string;
      json?: unknown;
      headers?: Record<string, string>;
      okStatuses?: number[];
      signal?: AbortSignal;
    },
    schema: S,
  ): Promise<{ status: number; headers: Headers; data: z.output<S> | null }> {
    await this.ensureToken(spec.signal);
    const auth = this.authHeaders();
    const usedToken = "authorization" in auth;
    try {
      return await this.options.http.requestJson(
        { ...spec, headers: { ...spec.headers, ...auth } },
        schema,
      );
    } catch (error) {
      if (!(usedToken && error instanceof RequestError && error.status === 401)) {
        throw error;
      }
      this.token = null;
      this.nextTokenAttemptMs = 0;
      return this.options.http.requestJson(
        {
          ...spec,
          headers: { ...spec.headers, [NODE_KEY_HEADER]: this.options.credentials.nodeKey },
        },
        schema,
      );
    }
  }

  /** `POST /nodes/{id}/heartbeat`. */
  async heartbeat(body: HeartbeatRequest, signal?: AbortSignal): Promise<HeartbeatResponse> {
    const route = "POST /nodes/:id/heartbeat";
    const res = await this.authed(
      { method: "POST", route, path: `${this.base}/heartbeat`, json: body, signal },
      heartbeatResponseSchema,
    );
    return required(res.data, route);
  }

  /**
   * `GET /nodes/{id}/bundles/latest`. `ifNoneMatch` names the bundle the node has settled on
   * (the one it runs, or one it refused); the server answers 304 when that is still the desired one.
   */
  async poll(ifNoneMatch: string | null, signal?: AbortSignal): Promise<PollResult> {
    const route = "GET /nodes/:id/bundles/latest";
    const headers: Record<string, string> = ifNoneMatch
      ? { "if-none-match": `"${ifNoneMatch}"` }
      : {};
    const res = await this.authed(
      {
        method: "GET",
        route,
        path: `${this.base}/bundles/latest`,
        headers,
        okStatuses: [304],
        signal,
      },
      pollResponseSchema,
    );
    if (res.status === 304) {
      return { kind: "not_modified" };
    }
    const data = required(res.data, route);
    if ("no_update" in data) {
      return { kind: "no_update", pollAfterS: data.poll_after_s };
    }
    return { kind: "offer", offer: data };
  }

  /**
   * Downloads an offered archive. Node credentials go only to the control plane's own origin:
   * a `download_url` on another host (a signed URL), or a redirect to one, gets none. At most
   * {@link MAX_DOWNLOAD_REDIRECTS} redirects are followed.
   */
  async download(offer: BundleOffer, maxBytes: number, signal?: AbortSignal): Promise<Uint8Array> {
    const route = "GET /nodes/:id/bundles/:bundle/download";
    const http = this.options.http;
    const origin = new URL(http.baseUrl).origin;
    let url = new URL(offer.download_url, `${http.baseUrl}/`);
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {
        accept: "application/zstd, application/octet-stream",
      };
      if (url.origin === origin) {
        await this.ensureToken(signal);
        Object.assign(headers, this.authHeaders());
      }
      const res = await http.request({
        method: "GET",
        route,
        url: url.toString(),
        headers,
        maxBytes,
        redirect: "manual",
        signal,
      });
      if (res.status < 300 || res.status >= 400) {
        return res.body;
      }
      const location = res.headers.get("location");
      if (location === null || hop >= MAX_DOWNLOAD_REDIRECTS) {
        throw new RequestError(
          "protocol",
          route,
          `${route}: redirect without location or too many redirects`,
          {
            status: res.status,
          },
        );
      }
      url = new URL(location, url);
    }
  }

  /** `POST /nodes/{id}/bundles/{bundle_id}/{kind}`; idempotent on the server. */
  async report(
    bundleId: string,
    kind: ReportKind,
    body: ReportBody,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.authed(
      {
        method: "POST",
        route: `POST /nodes/:id/bundles/:bundle/${kind}`,
        path: `${this.base}/bundles/${encodeURIComponent(bundleId)}/${kind}`,
        json: body,
        signal,
      },
      okSchema,
    );
  }

  /** `POST /nodes/{id}/events` with a batch; returns the count stored. */
  async events(events: readonly NodeEvent[], signal?: AbortSignal): Promise<number> {
    const route = "POST /nodes/:id/events";
    const res = await this.authed(
      { method: "POST", route, path: `${this.base}/events`, json: { events }, signal },
      eventsResponseSchema,
    );
    return required(res.data, route).count;
  }

  /**
   * `GET /nodes/{id}/signing-keys`: the project's published keys. Asked only when an offer names
   * a key the node has not pinned (the project rotated its key).
   */
  async signingKeys(signal?: AbortSignal): Promise<SigningKeyInfo[]> {
    const route = "GET /nodes/:id/signing-keys";
    const res = await this.authed(
      { method: "GET", route, path: `${this.base}/signing-keys`, signal },
      signingKeysResponseSchema,
    );
    return required(res.data, route).signing_keys;
  }

  /** `GET /nodes/{id}/secrets?bundle=`: secret files of the bundle being staged. */
  async secrets(bundleId: string, signal?: AbortSignal) {
    const route = "GET /nodes/:id/secrets";
    const res = await this.authed(
      { method: "GET", route, path: `${this.base}/secrets?bundle=${bundleId}`, signal },
      secretsResponseSchema,
    );
    return required(res.data, route);
  }

  /** `POST /nodes/{id}/config`: the config text the node actually runs. Returns its hash. */
  async reportConfig(configKdl: string, signal?: AbortSignal): Promise<string> {
    const route = "POST /nodes/:id/config";
    const res = await this.authed(
      {
        method: "POST",
        route,
        path: `${this.base}/config`,
        json: { config_kdl: configKdl },
        signal,
      },
      configResponseSchema,
    );
    return required(res.data, route).config_hash;
  }

  /** `POST /nodes/{id}/telemetry`; true when counted, false for a duplicate interval. */
  async telemetry(body: TelemetryRequest, signal?: AbortSignal): Promise<boolean> {
    const route = "POST /nodes/:id/telemetry";
    const res = await this.authed(
      { method: "POST", route, path: `${this.base}/telemetry`, json: body, signal },
      telemetryResponseSchema,
    );
    return required(res.data, route).counted;
  }
}
