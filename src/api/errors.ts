import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import { BadEnvironmentError } from "../env";
import type { AppEnv } from "./hono";

/** Every error code the API can return, with its HTTP status. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_CONFIG: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  BAD_ENVIRONMENT: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem in a request: a JSON path (dot-joined) or KDL location and a message. */
export interface ErrorDetail {
  path?: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  [key: string]: unknown;
}

/**
 * The one error type handlers throw. `onError` turns it into the envelope
 * `{"error": {code, message, request_id, details?}}` with the code's status.
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(ERROR_CODES[code], { message });
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers;
  }
}

/** Shorthand constructors for the common cases. */
export const notFound = (what: string) => new ApiError("NOT_FOUND", `${what} not found`);
export const badRequest = (message: string, details?: ErrorDetail[]) =>
  new ApiError("BAD_REQUEST", message, details ? { details } : {});
export const conflict = (message: string, details?: ErrorDetail[]) =>
  new ApiError("CONFLICT", message, details ? { details } : {});
export const forbidden = (message = "You do not have permission for this action") =>
  new ApiError("FORBIDDEN", message);
export const unauthorized = (message = "Missing or invalid credentials") =>
  new ApiError("UNAUTHORIZED", message);

/** Renders the envelope. Used by onError, the zod hook and the 404 handler. */
export function errorResponse(
  c: Context<AppEnv>,
  code: ErrorCode,
  message: string,
  details?: ErrorDetail[],
  headers?: Record<string, string>,
): Response {
  const body: ErrorBody = {
    error: { code, message, request_id: c.get("requestId") ?? "unknown" },
  };
  if (details && details.length > 0) {
    body.error.details = details;
  }
  const res = c.json(body, ERROR_CODES[code]);
  for (const [k, v] of Object.entries(headers ?? {})) {
    res.headers.set(k, v);
  }
  return res;
}

interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details?: ErrorDetail[] };
}

/** Converts every zod issue (not just the first) into a detail with a dot-joined path. */
export function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(root)",
    message: issue.message,
  }));
}

/** `defaultHook` for OpenAPIHono: schema failures become one 400 listing all problems. */
export function handleZodError(
  result: { success: true } | { success: false; error: ZodError; target?: string },
  c: Context<AppEnv>,
): Response | undefined {
  if (result.success) {
    return undefined;
  }
  const details = zodDetails(result.error);
  const target = result.target ? ` (${result.target})` : "";
  return errorResponse(
    c,
    "BAD_REQUEST",
    `Request validation failed${target}: ${details.length} problem${details.length === 1 ? "" : "s"}`,
    details,
  );
}

/** `onError`: ApiError → its envelope; HTTPException → mapped code; anything else → logged 500. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) {
    return errorResponse(c, err.code, err.message, err.details, err.headers);
  }
  if (err instanceof HTTPException) {
    return errorResponse(c, statusToCode(err.status), err.message || "Request failed");
  }
  if (err instanceof BadEnvironmentError) {
    return errorResponse(c, "BAD_ENVIRONMENT", err.message);
  }
  const logger = c.get("logger");
  if (logger) {
    logger.error("unhandled error", { error: err.message, stack: err.stack });
  } else {
    console.error(JSON.stringify({ level: "error", message: err.message, stack: err.stack }));
  }
  return errorResponse(c, "INTERNAL", "Internal error; see logs with this request id");
}

function statusToCode(status: number): ErrorCode {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "CONFLICT";
    case 410:
      return "GONE";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 422:
      return "INVALID_CONFIG";
    case 429:
      return "RATE_LIMITED";
    case 503:
      return "UNAVAILABLE";
    default:
      return "INTERNAL";
  }
}

const detailSchema = z
  .object({
    path: z.string().optional(),
    message: z.string(),
    file: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
  })
  .openapi("ErrorDetail");

function errorSchema(code: ErrorCode) {
  return z
    .object({
      error: z.object({
        code: z.literal(code),
        message: z.string(),
        request_id: z.string(),
        details: z.array(detailSchema).optional(),
      }),
    })
    .openapi(
      `Err${code.replace(/(^|_)(\w)/g, (_m, _s, ch: string) => ch.toUpperCase()).replace(/_/g, "")}`,
    );
}

const errorResponseDoc = (code: ErrorCode, description: string) => ({
  description,
  content: { "application/json": { schema: errorSchema(code) } },
});

/** Error responses to spread into `createRoute({ responses })`, picked per route. */
export const errorResponses = {
  400: errorResponseDoc(
    "BAD_REQUEST",
    "Malformed JSON or schema violations (all listed in details)",
  ),
  401: errorResponseDoc("UNAUTHORIZED", "Missing, invalid, expired or revoked credentials"),
  403: errorResponseDoc("FORBIDDEN", "Authenticated but not allowed (role, scope or node id)"),
  404: errorResponseDoc("NOT_FOUND", "No such resource in a tenant you can see"),
  409: errorResponseDoc("CONFLICT", "The resource's state does not allow this"),
  410: errorResponseDoc(
    "GONE",
    "The resource was revoked, or garbage-collected (the message says when and why)",
  ),
  413: errorResponseDoc("PAYLOAD_TOO_LARGE", "Request body over the limit"),
  415: errorResponseDoc("UNSUPPORTED_MEDIA_TYPE", "The body must be application/json"),
  422: errorResponseDoc("INVALID_CONFIG", "The KDL config was rejected (line/column in details)"),
  429: errorResponseDoc("RATE_LIMITED", "Too many requests; see Retry-After"),
  500: errorResponseDoc("INTERNAL", "Unexpected error; report the request id"),
} as const;

/** The errors every authenticated operator route can return. */
export const operatorErrors = {
  400: errorResponses[400],
  401: errorResponses[401],
  403: errorResponses[403],
  404: errorResponses[404],
  429: errorResponses[429],
  500: errorResponses[500],
} as const;
