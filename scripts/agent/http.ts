/**
 * One HTTP request primitive for the agent, the simulator and its operator calls: per-attempt
 * timeout, retries with exponential backoff + full jitter on network errors, timeouts, 5xx, 408
 * and 429 (waiting out `Retry-After`), and never a retry on any other 4xx (the same request would
 * fail the same way). Every attempt is reported to an optional observer, so the simulator can
 * count real load, and may run inside an optional concurrency limiter.
 */
import type { z } from "zod";
import {
  type BackoffPolicy,
  backoffDelayMs,
  parseRetryAfterMs,
  type Random,
  sleep,
} from "./backoff";
import { type ErrorDetail, parseEnvelope, readCapped } from "./http-body";

export type { ErrorDetail } from "./http-body";

/** Why a request finally failed. */
export type RequestErrorKind = "http" | "network" | "timeout" | "protocol" | "too_large";

/** A request that failed for good (after any retries). */
export class RequestError extends Error {
  override name = "RequestError";
  /** HTTP status when a response arrived, else null. */
  readonly status: number | null;
  /** `error.code` of the envelope (e.g. `NOT_FOUND`), when the body had one. */
  readonly code: string | null;
  readonly requestId: string | null;
  readonly details: readonly ErrorDetail[];
  /** How many attempts were made before giving up. */
  readonly attempts: number;

  constructor(
    readonly kind: RequestErrorKind,
    readonly route: string,
    message: string,
    init: {
      status?: number | null;
      code?: string | null;
      requestId?: string | null;
      details?: readonly ErrorDetail[];
      attempts?: number;
    } = {},
  ) {
    super(message);
    this.status = init.status ?? null;
    this.code = init.code ?? null;
    this.requestId = init.requestId ?? null;
    this.details = init.details ?? [];
    this.attempts = init.attempts ?? 1;
  }
}

/** What the observer hears after every attempt. */
export interface RequestEvent {
  /** Stable label for grouping, e.g. `POST /nodes/:id/heartbeat`. */
  readonly route: string;
  readonly method: string;
  /** HTTP status, or null when no response arrived (network error, timeout). */
  readonly status: number | null;
  /** Time from sending to the end of the body (excluding time queued in the limiter). */
  readonly durationMs: number;
  /** 0-based attempt number. */
  readonly attempt: number;
  /** True when the client retries after this attempt. */
  readonly willRetry: boolean;
}

/** Bounds the number of requests in flight (the simulator's `--concurrency`). */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** Construction options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Base URL (scheme + host [+ port]); request paths are appended to it. */
  readonly baseUrl: string;
  readonly userAgent: string;
  /** Per-attempt timeout. */
  readonly timeoutMs?: number;
  /** Total attempts including the first (≥ 1). */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffPolicy;
  /** Longest `Retry-After` honoured; a longer one fails the request so the caller can back off. */
  readonly maxRetryAfterMs?: number;
  readonly fetch?: typeof fetch;
  readonly random?: Random;
  readonly limiter?: Limiter;
  readonly onEvent?: (event: RequestEvent) => void;
}

/** One request. `path` is relative to the base URL unless `url` is given. */
export interface RequestSpec {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly route: string;
  readonly path?: string;
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  /** Statuses besides 2xx that are a success (e.g. 304 for a conditional poll). */
  readonly okStatuses?: readonly number[];
  /** Response bodies larger than this fail with `too_large` (guards downloads). */
  readonly maxBytes?: number;
  /** Overrides the client's `maxAttempts` (1 = no retry). */
  readonly maxAttempts?: number;
  /**
   * `error` (default): a redirect fails the request. `manual`: a 3xx is returned to the caller,
   * who decides which credentials the next hop may see (fetch would forward custom headers).
   */
  readonly redirect?: "error" | "manual";
  readonly signal?: AbortSignal;
}

/** A successful response with its body fully read. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };
const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;
/** Error bodies are only read for the envelope; anything longer is not an envelope. */
const ERROR_BODY_MAX_BYTES = 64 * 1024;
const DEFAULT_BODY_MAX_BYTES = 8 * 1024 * 1024;

/** Statuses worth retrying: the server or something in front of it may answer differently later. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

type AttemptOutcome =
  | { done: true; response: HttpResponse }
  | { done: false; error: RequestError; retryAfterMs: number | null; retryable: boolean };

/** HTTP client with the retry policy described in the module comment. */
export class HttpClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly random: Random;

  constructor(private readonly options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.random = options.random ?? Math.random;
  }

  /** Performs the request with retries; resolves with a success or throws {@link RequestError}. */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    const maxAttempts = Math.max(
      1,
      spec.maxAttempts ?? this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    );
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    const maxRetryAfter = this.options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    for (let attempt = 0; ; attempt++) {
      // Timed inside the limiter: the duration is the server's answer time, not queueing.
      let started = performance.now();
      const timed = () => {
        started = performance.now();
        return this.attempt(spec);
      };
      const limiter = this.options.limiter;
      const outcome = limiter ? await limiter.run(timed) : await timed();
      const status = outcome.done ? outcome.response.status : outcome.error.status;
      const retryAfterTooLong =
        !outcome.done && outcome.retryAfterMs !== null && outcome.retryAfterMs > maxRetryAfter;
      const willRetry =
        !outcome.done && outcome.retryable && attempt + 1 < maxAttempts && !retryAfterTooLong;
      this.options.onEvent?.({
        route: spec.route,
        method: spec.method,
        status,
        durationMs: performance.now() - started,
        attempt,
        willRetry,
      });
      if (outcome.done) {
        return outcome.response;
      }
      if (!willRetry) {
        throw new RequestError(outcome.error.kind, spec.route, outcome.error.message, {
          status: outcome.error.status,
          code: outcome.error.code,
          requestId: outcome.error.requestId,
          details: outcome.error.details,
          attempts: attempt + 1,
        });
      }
      const jittered = backoffDelayMs(backoff, attempt, this.random);
      // Retry-After is a floor: the server said "not before"; jitter on top keeps clients apart.
      const delay = outcome.retryAfterMs === null ? jittered : outcome.retryAfterMs + jittered / 4;
      await sleep(delay, spec.signal);
    }
  }

  /** Like {@link request} and parses the JSON body with `schema` (a mismatch is `protocol`). */
  async requestJson<S extends z.ZodType>(
    spec: RequestSpec,
    schema: S,
  ): Promise<{ status: number; headers: Headers; data: z.output<S> | null }> {
    const res = await this.request(spec);
    if (res.body.byteLength === 0) {
      return { status: res.status, headers: res.headers, data: null };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(res.body));
    } catch {
      throw new RequestError("protocol", spec.route, `${spec.route}: response is not JSON`, {
        status: res.status,
      });
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const problems = result.error.issues
        .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
        .join("; ");
      throw new RequestError(
        "protocol",
        spec.route,
        `${spec.route}: unexpected response (${problems})`,
        {
          status: res.status,
        },
      );
    }
    return { status: res.status, headers: res.headers, data: result.data };
  }

  private async attempt(spec: RequestSpec): Promise<AttemptOutcome> {
    const url = spec.url ?? `${this.baseUrl}${spec.path ?? ""}`;
    const headers: Record<string, string> = {
      "user-agent": this.options.userAgent,
      accept: "application/json",
      ...spec.headers,
    };
    let body: string | undefined;
    if (spec.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(spec.json);
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const signal = spec.signal ? AbortSignal.any([timeout, spec.signal]) : timeout;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        body,
        signal,
        redirect: spec.redirect ?? "error",
      });
    } catch (error) {
      if (spec.signal?.aborted) {
        throw spec.signal.reason;
      }
      const timedOut = timeout.aborted;
      const text = timedOut ? "timed out" : `network error: ${describe(error)}`;
      return {
        done: false,
        error: new RequestError(
          timedOut ? "timeout" : "network",
          spec.route,
          `${spec.route}: ${text}`,
        ),
        retryAfterMs: null,
        retryable: true,
      };
    }
    const redirected = spec.redirect === "manual" && res.status >= 300 && res.status < 400;
    const ok =
      (res.status >= 200 && res.status < 300) ||
      redirected ||
      (spec.okStatuses ?? []).includes(res.status);
    try {
      if (ok) {
        const bytes = await readCapped(res, spec.maxBytes ?? DEFAULT_BODY_MAX_BYTES);
        if (bytes === null) {
          return {
            done: false,
            error: new RequestError(
              "too_large",
              spec.route,
              `${spec.route}: response body too large`,
              {
                status: res.status,
              },
            ),
            retryAfterMs: null,
            retryable: false,
          };
        }
        return { done: true, response: { status: res.status, headers: res.headers, body: bytes } };
      }
      const envelope = parseEnvelope(await readCapped(res, ERROR_BODY_MAX_BYTES));
      const message = `${spec.route}: HTTP ${res.status}${envelope.code ? ` ${envelope.code}` : ""}${
        envelope.message ? `: ${envelope.message}` : ""
      }`;
      const retryAfter =
        res.status === 429 || res.status === 503
          ? parseRetryAfterMs(res.headers.get("retry-after"), Date.now())
          : null;
      return {
        done: false,
        error: new RequestError("http", spec.route, message, {
          status: res.status,
          code: envelope.code,
          requestId: envelope.requestId ?? res.headers.get("x-request-id"),
          details: envelope.details,
        }),
        retryAfterMs: retryAfter,
        retryable: retryableStatus(res.status),
      };
    } catch (error) {
      if (spec.signal?.aborted) {
        throw spec.signal.reason;
      }
      // The connection broke or timed out while the body was streaming: no usable response, so
      // no status (observers count it with network failures).
      const timedOut = timeout.aborted;
      const what = timedOut ? "timed out reading the body" : `body read failed: ${describe(error)}`;
      return {
        done: false,
        error: new RequestError(
          timedOut ? "timeout" : "network",
          spec.route,
          `${spec.route}: HTTP ${res.status} but ${what}`,
        ),
        retryAfterMs: null,
        retryable: true,
      };
    }
  }
}

/** A readable one-line description of a thrown value (fetch wraps the real cause). */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
