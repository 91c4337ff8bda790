CREATE TABLE `audit_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`chain` text NOT NULL,
	`seq` integer NOT NULL,
	`org_id` text NOT NULL,
	`project_id` text,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text,
	`diff` text,
	`request_id` text,
	`created_at` integer NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_logs_chain_seq` ON `audit_logs` (`chain`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_logs_project_created` ON `audit_logs` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `audit_logs_project_action` ON `audit_logs` (`project_id`,`action`);--> statement-breakpoint
CREATE INDEX `audit_logs_created` ON `audit_logs` (`created_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`type` text NOT NULL,
	`severity` text DEFAULT 'info' NOT NULL,
	`resource_type` text,
	`resource_id` text,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_project_created` ON `events` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `events_created` ON `events` (`created_at`);--> statement-breakpoint
CREATE TABLE `notification_channels` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`config_enc` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`max_attempts` integer DEFAULT 8 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notification_channels_project` ON `notification_channels` (`project_id`);--> statement-breakpoint
CREATE TABLE `notification_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`event_id` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`log` text DEFAULT '[]' NOT NULL,
	`next_attempt_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notification_deliveries_project` ON `notification_deliveries` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `notification_deliveries_event` ON `notification_deliveries` (`event_id`,`channel_id`);--> statement-breakpoint
CREATE TABLE `notification_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`event_pattern` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notification_rules_project` ON `notification_rules` (`project_id`);--> statement-breakpoint
CREATE TABLE `project_secrets` (
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`value_enc` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `project_secrets_name` ON `project_secrets` (`project_id`,`name`);--> statement-breakpoint
CREATE TABLE `bundles` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`sequence` integer NOT NULL,
	`version` text NOT NULL,
	`status` text NOT NULL,
	`files` text NOT NULL,
	`source_type` text DEFAULT 'api' NOT NULL,
	`source_ref` text,
	`checksum` text,
	`size_bytes` integer,
	`signature` text,
	`signing_key_id` text,
	`manifest` text,
	`risk` text,
	`risk_reasons` text DEFAULT '[]' NOT NULL,
	`compiler_output` text,
	`diagnostics` text DEFAULT '[]' NOT NULL,
	`storage_key` text,
	`compile_attempts` integer DEFAULT 0 NOT NULL,
	`compile_duration_ms` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`compiled_at` integer,
	`revoked_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bundles_project_sequence` ON `bundles` (`project_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `bundles_project_created` ON `bundles` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `bundles_project_status` ON `bundles` (`project_id`,`status`);--> statement-breakpoint
CREATE TABLE `drift_events` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`node_id` text NOT NULL,
	`expected_bundle_id` text,
	`actual_bundle_id` text,
	`detected_at` integer NOT NULL,
	`resolved_at` integer,
	`resolution` text,
	`remediated` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `drift_events_project` ON `drift_events` (`project_id`,`detected_at`);--> statement-breakpoint
CREATE INDEX `drift_events_node_open` ON `drift_events` (`node_id`,`resolved_at`);--> statement-breakpoint
CREATE TABLE `node_assignments` (
	`node_id` text NOT NULL,
	`bundle_id` text NOT NULL,
	`first_assigned_at` integer NOT NULL,
	PRIMARY KEY(`node_id`, `bundle_id`)
);
--> statement-breakpoint
CREATE TABLE `node_events` (
	`id` text PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`project_id` text NOT NULL,
	`event_type` text NOT NULL,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `node_events_node_created` ON `node_events` (`node_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `node_events_created` ON `node_events` (`created_at`);--> statement-breakpoint
CREATE TABLE `node_heartbeats` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`node_id` text NOT NULL,
	`project_id` text NOT NULL,
	`health` text,
	`metrics` text,
	`active_bundle_id` text,
	`staged_bundle_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `node_heartbeats_node_created` ON `node_heartbeats` (`node_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `node_runtime_configs` (
	`node_id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`config_kdl` text NOT NULL,
	`config_hash` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`capabilities` text DEFAULT '[]' NOT NULL,
	`version` text,
	`hostname` text,
	`ip` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`status` text DEFAULT 'unknown' NOT NULL,
	`revoked_at` integer,
	`registered_at` integer NOT NULL,
	`last_seen_at` integer,
	`active_bundle_id` text,
	`staged_bundle_id` text,
	`desired_bundle_id` text,
	`desired_is_rollback` integer DEFAULT false NOT NULL,
	`desired_rollout_id` text,
	`desired_set_at` integer,
	`pinned_bundle_id` text,
	`health` text,
	`metrics` text,
	`last_heartbeat_at` integer,
	`diverged_since` integer,
	`token_issued_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_key_hash_unique` ON `nodes` (`key_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_project_name` ON `nodes` (`project_id`,`name`);--> statement-breakpoint
CREATE INDEX `nodes_project_status` ON `nodes` (`project_id`,`status`);--> statement-breakpoint
CREATE INDEX `nodes_project_registered` ON `nodes` (`project_id`,`registered_at`);--> statement-breakpoint
CREATE INDEX `nodes_last_seen` ON `nodes` (`status`,`last_seen_at`);--> statement-breakpoint
CREATE INDEX `nodes_desired_bundle` ON `nodes` (`desired_bundle_id`);--> statement-breakpoint
CREATE INDEX `nodes_active_bundle` ON `nodes` (`active_bundle_id`);--> statement-breakpoint
CREATE TABLE `environments` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`ordinal` integer NOT NULL,
	`selector` text NOT NULL,
	`approvals_required` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `environments_project` ON `environments` (`project_id`,`ordinal`);--> statement-breakpoint
CREATE TABLE `freeze_windows` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`reason` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `freeze_windows_project` ON `freeze_windows` (`project_id`,`ends_at`);--> statement-breakpoint
CREATE TABLE `rollout_approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`rollout_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`decision` text NOT NULL,
	`comment` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rollout_approvals_rollout` ON `rollout_approvals` (`rollout_id`);--> statement-breakpoint
CREATE TABLE `rollout_nodes` (
	`rollout_id` text NOT NULL,
	`node_id` text NOT NULL,
	`step_index` integer NOT NULL,
	`state` text NOT NULL,
	`previous_bundle_id` text,
	`assigned_at` integer,
	`activated_at` integer,
	`error` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`rollout_id`, `node_id`)
);
--> statement-breakpoint
CREATE INDEX `rollout_nodes_node` ON `rollout_nodes` (`node_id`,`rollout_id`);--> statement-breakpoint
CREATE INDEX `rollout_nodes_step` ON `rollout_nodes` (`rollout_id`,`step_index`);--> statement-breakpoint
CREATE TABLE `rollout_steps` (
	`rollout_id` text NOT NULL,
	`step_index` integer NOT NULL,
	`state` text NOT NULL,
	`node_count` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	`analysis` text,
	`error` text,
	PRIMARY KEY(`rollout_id`, `step_index`)
);
--> statement-breakpoint
CREATE TABLE `rollouts` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`bundle_id` text NOT NULL,
	`state` text NOT NULL,
	`strategy` text NOT NULL,
	`spec` text NOT NULL,
	`progress` text DEFAULT '{}' NOT NULL,
	`current_step` integer,
	`step_count` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_by` text NOT NULL,
	`created_by_user_id` text,
	`scheduled_at` integer,
	`started_at` integer,
	`completed_at` integer,
	`next_tick_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rollouts_project_created` ON `rollouts` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `rollouts_state` ON `rollouts` (`state`,`next_tick_at`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`project_id` text,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`key_hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_by_user_id` text,
	`created_by_key_id` text,
	`expires_at` integer,
	`revoked_at` integer,
	`last_used_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_org` ON `api_keys` (`org_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `enrollment_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`token_hash` text NOT NULL,
	`max_uses` integer,
	`uses` integer DEFAULT 0 NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollment_tokens_token_hash_unique` ON `enrollment_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `enrollment_tokens_project` ON `enrollment_tokens` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `memberships` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `memberships_org_user` ON `memberships` (`org_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `orgs` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_slug_unique` ON `orgs` (`slug`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_slug_unique` ON `projects` (`slug`);--> statement-breakpoint
CREATE INDEX `projects_org` ON `projects` (`org_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`csrf_token` text NOT NULL,
	`pending_totp` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`ip` text,
	`user_agent` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `signing_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`alg` text DEFAULT 'Ed25519' NOT NULL,
	`public_key` text NOT NULL,
	`private_key_enc` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `signing_keys_project` ON `signing_keys` (`project_id`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `signing_keys_one_active` ON `signing_keys` (`project_id`) WHERE status = 'active';--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`totp_secret_enc` text,
	`totp_enabled_at` integer,
	`recovery_code_hashes` text DEFAULT '[]' NOT NULL,
	`disabled_at` integer,
	`last_login_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);