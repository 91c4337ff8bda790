/** Error envelope returned by every API route. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    request_id: string;
    details?: Array<{ path?: string; message: string }>;
  };
}

/** Thrown by `api()` for non-2xx answers, carrying the envelope. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | null,
  ) {
    super(body?.error.message ?? `HTTP ${status}`);
  }
}

const KEY_STORAGE = "zcp.apiKey";

/** The API key the operator signed in with (kept for this browser tab only). */
export const apiKeyStore = {
  get: () => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

/** Calls the API with the stored key; JSON in and out. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  const key = apiKeyStore.get();
  if (key) {
    headers.set("authorization", `Bearer ${key}`);
  }
  if (init.body) {
    headers.set("content-type", "application/json");
  }
  const res = await fetch(path, { ...init, headers });
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    throw new ApiRequestError(res.status, body as ApiErrorBody | null);
  }
  return body as T;
}
