/**
 * Wire format of the node API (`api.md`, "Node API"): paths, headers, request bodies, and zod
 * schemas of the responses. Field names are the contract's snake_case.
 */
import { z } from "zod";

/** API base path of every route. */
export const API_PREFIX = "/api/v1";
/** Header carrying the enrollment token on register. */
export const ENROLLMENT_TOKEN_HEADER = "x-zentinel-enrollment-token";
/** Header carrying the static node key. */
export const NODE_KEY_HEADER = "x-zentinel-node-key";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A bundle id is a SHA-256 digest. Checked strictly: it becomes a directory name on nodes. */
export const BUNDLE_ID = /^[0-9a-f]{64}$/;

export const signingKeySchema = z.object({
  kid: z.string().min(1),
  alg: z.literal("Ed25519"),
  public_key: z.string().min(1),
});

/** A project signing key as register returns it (`public_key` = base64url raw 32 bytes). */
export type SigningKeyInfo = z.output<typeof signingKeySchema>;

/** `GET /nodes/{id}/signing-keys`: the project's published keys, active first. */
export const signingKeysResponseSchema = z.object({ signing_keys: z.array(signingKeySchema) });

/** `GET /nodes/{id}/secrets?bundle=`: the secret files of the bundle being staged. */
export const secretsResponseSchema = z.object({
  bundle_id: z.string(),
  files: z.array(z.object({ path: z.string(), content: z.string() })),
  missing: z.array(z.string()),
});

export const registerResponseSchema = z.object({
  node_id: z.string().regex(UUID),
  node_key: z.string().min(1),
  poll_interval_s: z.number().positive(),
  heartbeat_interval_s: z.number().positive(),
  signing_keys: z.array(signingKeySchema),
});

/** 201 body of `POST /projects/{project}/nodes/register`. */
export type RegisterResponse = z.output<typeof registerResponseSchema>;

/** Body of register (`name` 1–100 chars `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, unique per project). */
export interface RegisterRequest {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly capabilities?: readonly string[];
  readonly version?: string;
  readonly hostname?: string;
  readonly ip?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export const tokenResponseSchema = z.object({
  token: z.string().min(1),
  token_type: z.literal("Bearer"),
  expires_at: z.string(),
  expires_in: z.number().positive(),
});

export const heartbeatResponseSchema = z.object({
  status: z.literal("ok"),
  node_id: z.string(),
  last_seen_at: z.string(),
  heartbeat_interval_s: z.number().positive(),
});

/** 200 body of a heartbeat. */
export type HeartbeatResponse = z.output<typeof heartbeatResponseSchema>;

/** `health.status` values of a heartbeat. */
export type HealthStatus = "healthy" | "degraded" | "unhealthy";

/** Heartbeat metrics: the keys the rollout gates and canary analysis read, plus extras. */
export interface HeartbeatMetrics {
  /** Percent (0–100) of requests that failed over the interval. */
  error_rate?: number;
  latency_p99_ms?: number;
  cpu_percent?: number;
  memory_percent?: number;
  /** Requests and errors over the heartbeat interval (canary error-rate test). */
  request_count?: number;
  error_count?: number;
  [key: string]: unknown;
}

/** Body of a heartbeat; omitted fields leave the stored values unchanged. */
export interface HeartbeatRequest {
  health?: { status: HealthStatus; [key: string]: unknown };
  metrics?: HeartbeatMetrics;
  active_bundle_id?: string | null;
  staged_bundle_id?: string | null;
  version?: string;
  hostname?: string;
  metadata?: Record<string, unknown>;
}

export const offerSchema = z.object({
  bundle_id: z.string().regex(BUNDLE_ID),
  sequence: z.number().int(),
  checksum: z.string().regex(BUNDLE_ID),
  size_bytes: z.number().int().nonnegative(),
  download_url: z.string().min(1),
  // Descriptive only: the agent verifies manifest.sig inside the archive against pinned keys, so
  // these may be absent or null without weakening anything.
  version: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  signature: z.string().nullish(),
  signing_key_id: z.string().nullish(),
  rollout_id: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  poll_after_s: z.number().positive(),
  /** Present and true when the control plane deliberately sends an older sequence. */
  rollback: z.boolean().optional(),
});

/** A bundle offer from `GET /nodes/{id}/bundles/latest`. */
export type BundleOffer = z.output<typeof offerSchema>;

export const noUpdateSchema = z.object({
  no_update: z.literal(true),
  poll_after_s: z.number().positive(),
});
export const pollResponseSchema = z.union([noUpdateSchema, offerSchema]);

/** Outcome of a poll. `not_modified` (304) carries no interval: keep the previous one. */
export type PollResult =
  | { kind: "offer"; offer: BundleOffer }
  | { kind: "no_update"; pollAfterS: number }
  | { kind: "not_modified" };

/** The four explicit report kinds. */
export type ReportKind = "staged" | "activated" | "verified" | "failed";

/** Body of a report. */
export interface ReportBody {
  error?: string;
  logs?: string;
  duration_ms?: number;
}

/** Node event types and severities accepted by `POST /nodes/{id}/events`. */
export type NodeEventType =
  | "config_reload"
  | "bundle_switch"
  | "error"
  | "startup"
  | "shutdown"
  | "warning"
  | "info";

/** One node event. */
export interface NodeEvent {
  event_type: NodeEventType;
  severity?: "debug" | "info" | "warn" | "error";
  message: string;
  metadata?: Record<string, unknown>;
}

export const okSchema = z.object({ status: z.literal("ok") });
export const eventsResponseSchema = z.object({ status: z.literal("ok"), count: z.number() });
export const configResponseSchema = z.object({ status: z.literal("ok"), config_hash: z.string() });

/** `POST /nodes/{id}/telemetry` body: deltas over `[interval_start, +interval_seconds)`. */
export interface TelemetryRequest {
  /** ISO 8601; with the node id the idempotency key, so a retry must resend it unchanged. */
  interval_start: string;
  interval_seconds: number;
  services: Array<{
    service: string;
    requests: number;
    errors_5xx: number;
    errors_4xx: number;
    latency_sum_ms: number;
    latency_buckets: number[];
  }>;
  waf: Array<{ rule_id: string; service: string; blocked: number; challenged: number }>;
}

/** 200 of a telemetry report; `counted: false` is a duplicate (or late) interval. */
export const telemetryResponseSchema = z.object({
  status: z.literal("ok"),
  counted: z.boolean(),
  reason: z.string().optional(),
});
