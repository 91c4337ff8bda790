/**
 * Response body helpers of the HTTP client: size-capped reading and the control plane's error
 * envelope (`{"error": {"code", "message", "request_id", "details"}}`).
 */

/** One `details` entry of the control plane's error envelope. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** Reads a body, failing as soon as it exceeds `maxBytes` (never buffers more than that). */
export async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    return null;
  }
  if (res.body === null) {
    return new Uint8Array(0);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Extracts the control plane's `{"error": {...}}` envelope from an error body, if it is one. */
export function parseEnvelope(body: Uint8Array | null): {
  code: string | null;
  message: string | null;
  requestId: string | null;
  details: ErrorDetail[];
} {
  const empty = { code: null, message: null, requestId: null, details: [] };
  if (body === null || body.byteLength === 0) {
    return empty;
  }
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
    const error = (parsed as { error?: unknown } | null)?.error;
    if (typeof error !== "object" || error === null) {
      return empty;
    }
    const e = error as Record<string, unknown>;
    const details = Array.isArray(e.details)
      ? e.details.flatMap((d: unknown) => {
          const rec = d as Record<string, unknown> | null;
          return rec && typeof rec.path === "string" && typeof rec.message === "string"
            ? [{ path: rec.path, message: rec.message }]
            : [];
        })
      : [];
    return {
      code: typeof e.code === "string" ? e.code : null,
      message: typeof e.message === "string" ? e.message : null,
      requestId: typeof e.request_id === "string" ? e.request_id : null,
      details,
    };
  } catch {
    return empty;
  }
}
