/**
 * Shapes of the API responses the dashboard reads (see /api/v1/openapi.json). Fields the
 * dashboard does not use are left out; fields of routes still being built are optional.
 */

/** `{items, next_cursor}` list envelope. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** An org role (ascending power). */
export type Role = "reader" | "operator" | "admin";

/** A signed-in user (GET /auth/me). */
export interface User {
  id: string;
  email: string;
  name: string;
  totp_enabled: boolean;
}

/** The user's role in one org. */
export interface Membership {
  org_id: string;
  org_slug: string;
  org_name: string;
  role: Role;
}

/** GET /api/v1/auth/me: the session's user, orgs and CSRF token. */
export interface Me {
  user: User;
  memberships: Membership[];
  csrf_token: string;
  session_expires_at: string;
}

/** POST /auth/login and /auth/totp answers. */
export interface SessionStarted {
  totp_required: boolean;
  csrf_token: string;
  expires_at: string;
  user?: User;
}

/** An org as GET /api/v1/orgs lists it (role null for API keys). */
export interface Org {
  id: string;
  slug: string;
  name: string;
  role: Role | null;
}

/** A project; addressed by slug in every path. */
export interface Project {
  id: string;
  slug: string;
  name: string;
  org_id: string;
  created_at: string;
}

/** Node liveness as operators see it. */
export type NodeStatus = "online" | "offline" | "unknown" | "revoked";

/** A node (GET …/nodes/{node_id}). */
export interface FleetNode {
  id: string;
  name: string;
  status: NodeStatus;
  labels: Record<string, string>;
  version: string | null;
  hostname: string | null;
  ip: string | null;
  health: { status?: string } & Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  active_bundle_id: string | null;
  staged_bundle_id: string | null;
  desired_bundle_id: string | null;
  desired_rollout_id: string | null;
  desired_is_rollback: boolean;
  diverged_since: string | null;
  last_seen_at: string | null;
  last_heartbeat_at: string | null;
  registered_at: string;
  revoked_at: string | null;
}

/** One row of a node's heartbeat history. */
export interface Heartbeat {
  id: number;
  created_at: string;
  health: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  active_bundle_id: string | null;
}

/** An event a node reported. */
export interface NodeEvent {
  id: string;
  event_type: string;
  severity: string;
  message: string;
  created_at: string;
}

/** Where a bundle is in its life. */
export type BundleStatus = "pending" | "compiling" | "compiled" | "failed" | "revoked";

/** A validator finding at a file position (1-based line and column). */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  rule?: string;
  severity?: string;
}

/** A bundle in lists. */
export interface BundleSummary {
  bundle_id: string;
  sequence: number;
  version: string;
  status: BundleStatus;
  source: { type: string; ref: string | null };
  checksum: string | null;
  size_bytes: number | null;
  signature: string | null;
  signing_key_id: string | null;
  risk: "low" | "medium" | "high" | null;
  risk_reasons: string[];
  created_at: string;
  created_by: string | null;
  compiled_at: string | null;
  revoked_at: string | null;
  compile_duration_ms: number | null;
}

/** One bundle with manifest, compiler output and diagnostics. */
export interface Bundle extends BundleSummary {
  manifest: Record<string, unknown> | null;
  compiler_output: string | null;
  diagnostics: Diagnostic[];
}

/** GET …/bundles/{id}/config: the submitted files. */
export interface BundleConfig {
  bundle_id: string;
  entry: string;
  files: Record<string, string>;
}

/** Added, removed and changed items of one config collection. */
export interface CollectionDiff {
  added: string[];
  removed: string[];
  changed: Array<{ id: string; fields: string[] }>;
}

/** GET …/bundles/{id}/diff: unified text plus the structural summary. */
export interface BundleDiff {
  bundle_id: string;
  against: string | null;
  unified: string;
  files: Array<{ path: string; status: string; added: number; removed: number }>;
  summary:
    | ({ globals: string[] } & Record<
        "listeners" | "routes" | "upstreams" | "agents" | "filters",
        CollectionDiff
      >)
    | null;
}

/** A project signing key (public part). */
export interface SigningKey {
  kid: string;
  alg: string;
  public_key: string;
  status: "active" | "retired";
  created_at: string;
}

/** Rollout states (api.md). */
export type RolloutState =
  | "pending_approval"
  | "scheduled"
  | "running"
  | "paused"
  | "completed"
  | "failed"
  | "cancelled"
  | "rolling_back"
  | "rolled_back";

/** A node's state within a rollout (api.md). */
export type RolloutNodeState =
  | "pending"
  | "assigned"
  | "staged"
  | "active"
  | "verified"
  | "failed"
  | "skipped"
  | "rolled_back";

/** Which nodes a rollout targets. */
export interface TargetSelector {
  type: "all" | "labels" | "node_ids";
  labels?: Record<string, string>;
  node_ids?: string[];
}

/** Why a rollout or step failed, with the evidence. */
export interface RolloutError {
  reason: string;
  message: string;
  step_index: number | null;
  node_ids: string[];
  details: Record<string, unknown>;
}

/**
 * A started step. `state` is its phase while current (`deploying`, `baking`, `analysing`,
 * `awaiting_promotion`), then `completed`, `failed` or `aborted`.
 */
export interface RolloutStep {
  index: number;
  state: string;
  node_count: number;
  started_at: string | null;
  completed_at: string | null;
  analysis: Record<string, unknown> | null;
  error: RolloutError | null;
}

/** One approval decision on a rollout. */
export interface RolloutApproval {
  actor_id: string;
  decision: "approve" | "reject";
  comment: string | null;
  created_at: string;
}

/** A rollout as listed (summary) or shown (with spec, steps and approvals). */
export interface Rollout {
  id: string;
  bundle_id: string;
  state: RolloutState;
  strategy: string;
  progress: Partial<Record<RolloutNodeState | "total", number>>;
  current_step: number | null;
  step_count: number;
  approvals_required: number;
  error: RolloutError | null;
  created_at: string;
  created_by: string;
  scheduled_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  spec?: Record<string, unknown>;
  steps?: RolloutStep[];
  approvals?: RolloutApproval[];
}

/** A node's progress within one rollout. */
export interface RolloutNode {
  node_id: string;
  node_name: string | null;
  /** Null for nodes the planner skipped. */
  step_index: number | null;
  state: RolloutNodeState;
  previous_bundle_id: string | null;
  error: string | null;
  updated_at: string;
}

/** One hash-chained audit entry. */
export interface AuditEntry {
  id: string;
  seq: number;
  action: string;
  actor_type: string;
  actor_id: string;
  resource_type: string;
  resource_id: string | null;
  diff: Record<string, unknown> | null;
  request_id: string | null;
  created_at: string;
  hash: string;
}

/** GET …/audit-logs/verify. */
export interface AuditVerification {
  valid: boolean;
  checked: number;
  first_invalid_id: string | null;
  first_invalid_seq?: number | null;
  reason?: string | null;
}

/** An API key as listed (never the secret). */
export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  project: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** An enrollment token as listed (never the secret). */
export interface EnrollmentToken {
  id: string;
  name: string;
  prefix: string;
  max_uses: number | null;
  uses: number;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  status: "active" | "expired" | "revoked" | "used_up";
}

/** POST …/live-ticket: a one-time socket ticket and the caller's scopes. */
export interface LiveTicket {
  ticket: string;
  expires_at: string;
  scopes: string[];
}
