/**
 * Shapes of the API responses the dashboard reads (see /api/v1/openapi.json). Fields the
 * dashboard does not use are left out; fields of routes still being built are optional.
 */

/** `{items, next_cursor}` list envelope. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type Role = "reader" | "operator" | "admin";

export interface User {
  id: string;
  email: string;
  name: string;
  totp_enabled: boolean;
}

export interface Membership {
  org_id: string;
  org_slug: string;
  org_name: string;
  role: Role;
}

export interface Me {
  user: User;
  memberships: Membership[];
  csrf_token: string;
  session_expires_at: string;
}

export interface SessionStarted {
  totp_required: boolean;
  csrf_token: string;
  expires_at: string;
  user?: User;
}

export interface Org {
  id: string;
  slug: string;
  name: string;
  role: Role | null;
}

export interface Project {
  id: string;
  slug: string;
  name: string;
  org_id: string;
  created_at: string;
}

export type NodeStatus = "online" | "offline" | "unknown" | "revoked";

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

export interface Heartbeat {
  id: number;
  created_at: string;
  health: Record<string, unknown> | null;
  metrics: Record<string, unknown> | null;
  active_bundle_id: string | null;
}

export interface NodeEvent {
  id: string;
  event_type: string;
  severity: string;
  message: string;
  created_at: string;
}

export type BundleStatus = "pending" | "compiling" | "compiled" | "failed" | "revoked";

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  rule?: string;
  severity?: string;
}

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

export interface Bundle extends BundleSummary {
  manifest: Record<string, unknown> | null;
  compiler_output: string | null;
  diagnostics: Diagnostic[];
}

export interface BundleConfig {
  bundle_id: string;
  entry: string;
  files: Record<string, string>;
}

export interface CollectionDiff {
  added: string[];
  removed: string[];
  changed: Array<{ id: string; fields: string[] }>;
}

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

export interface SigningKey {
  kid: string;
  alg: string;
  public_key: string;
  status: "active" | "retired";
  created_at: string;
}

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

export type RolloutNodeState =
  | "pending"
  | "assigned"
  | "staged"
  | "active"
  | "verified"
  | "failed"
  | "skipped"
  | "rolled_back";

export interface TargetSelector {
  type: "all" | "labels" | "node_ids";
  labels?: Record<string, string>;
  node_ids?: string[];
}

export interface RolloutStep {
  index: number;
  state: string;
  node_count: number;
  started_at: string | null;
  completed_at: string | null;
  analysis: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
}

export interface Rollout {
  id: string;
  bundle_id: string;
  state: RolloutState;
  strategy: string;
  target_selector?: TargetSelector;
  spec?: Record<string, unknown>;
  progress: Partial<Record<RolloutNodeState | "total", number>>;
  current_step: number | null;
  step_count: number;
  step_phase?: string | null;
  steps?: RolloutStep[];
  error: ({ reason?: string; message?: string } & Record<string, unknown>) | null;
  approvals?: number;
  approvals_required?: number;
  created_at: string;
  created_by: string;
  started_at: string | null;
  completed_at?: string | null;
  scheduled_at?: string | null;
}

export interface RolloutNode {
  node_id: string;
  node_name?: string;
  step_index: number;
  state: RolloutNodeState;
  previous_bundle_id: string | null;
  error: string | null;
  updated_at?: string;
}

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

export interface AuditVerification {
  valid: boolean;
  checked: number;
  first_invalid_id: string | null;
  first_invalid_seq?: number | null;
  reason?: string | null;
}

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

export interface LiveTicket {
  ticket: string;
  expires_at: string;
  scopes: string[];
}
