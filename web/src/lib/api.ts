/**
 * The dashboard's HTTP client. Two ways to be signed in: the HttpOnly session cookie (sent by
 * the browser; mutations echo the session's CSRF token) or an API key held in this tab's
 * sessionStorage (sent as `Authorization: Bearer`). Everything is JSON; errors carry the API's
 * envelope.
 */

/** One problem reported by the API (schema path, or KDL file/line/column). */
export interface ErrorDetail {
  path?: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** A non-2xx answer, with the envelope's code, message and details. */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];
  readonly requestId: string | null;

  constructor(status: number, body: unknown) {
    const err = (body as { error?: Record<string, unknown> } | null)?.error;
    super(typeof err?.message === "string" ? err.message : `HTTP ${status}`);
    this.status = status;
    this.code = typeof err?.code === "string" ? err.code : "HTTP_ERROR";
    this.details = Array.isArray(err?.details) ? (err.details as ErrorDetail[]) : [];
    this.requestId = typeof err?.request_id === "string" ? err.request_id : null;
  }
}

const KEY_STORAGE = "zcp.apiKey";
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** How requests authenticate; set by the auth module. */
export const credentials = {
  /** API key (this tab only), or null for the cookie session. */
  apiKey: sessionStorage.getItem(KEY_STORAGE) as string | null,
  /** The session's CSRF token (cookie mode). */
  csrf: null as string | null,
  setApiKey(key: string | null) {
    this.apiKey = key;
    if (key === null) {
      sessionStorage.removeItem(KEY_STORAGE);
    } else {
      sessionStorage.setItem(KEY_STORAGE, key);
    }
  },
};

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => undefined;

/** Called when a signed-in request answers 401 (session expired, key revoked). */
export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

/** Headers for a request with the current credentials. */
export function authHeaders(method: string): Headers {
  const headers = new Headers();
  if (credentials.apiKey) {
    headers.set("authorization", `Bearer ${credentials.apiKey}`);
  } else if (credentials.csrf && MUTATING.has(method)) {
    headers.set("x-csrf-token", credentials.csrf);
  }
  return headers;
}

/** Calls the API; resolves with the parsed JSON body (null when empty). */
export async function api<T>(
  path: string,
  opts: { method?: string; body?: unknown; signal?: AbortSignal; quiet401?: boolean } = {},
): Promise<T> {
  const method = opts.method ?? "GET";
  const headers = authHeaders(method);
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, {
    method,
    headers,
    body,
    credentials: "same-origin",
    signal: opts.signal ?? null,
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401) {
      onUnauthorized();
    }
    throw new ApiRequestError(res.status, parsed);
  }
  return parsed as T;
}

/** Downloads a GET route's body as a file (works for both cookie and API-key sign-in). */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: authHeaders("GET"), credentials: "same-origin" });
  if (!res.ok) {
    throw new ApiRequestError(res.status, await res.json().catch(() => null));
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Query string from defined, non-empty values (arrays repeat the key). */
export function qs(params: Record<string, string | number | string[] | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) {
      for (const item of v) {
        sp.append(k, item);
      }
    } else if (v !== undefined && v !== null && v !== "") {
      sp.set(k, String(v));
    }
  }
  const s = sp.toString();
  return s ? `?${s}` : "";
}

/** `/api/v1/projects/<slug>` + rest. */
export const projectPath = (slug: string, rest = "") =>
  `/api/v1/projects/${encodeURIComponent(slug)}${rest}`;
