-- Issue 14: request telemetry rollups (minute → hour → day), WAF counters, SLOs and their
-- burn-rate alerts. Rows are written by TelemetryAggregatorDO (minutes, absolute upserts) and the
-- rollup cron (hours, days); see docs/decisions.md "Telemetry and SLOs".
-- Request counts per project + service + bundle + minute (bucket_start: epoch ms).
CREATE TABLE `telemetry_minutes` (
	`project_id` text NOT NULL,
	`service` text NOT NULL,
	`bundle_id` text DEFAULT '' NOT NULL,
	`bucket_start` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors_5xx` integer DEFAULT 0 NOT NULL,
	`errors_4xx` integer DEFAULT 0 NOT NULL,
	`latency_sum_ms` real DEFAULT 0 NOT NULL,
	`lat_5` integer DEFAULT 0 NOT NULL,
	`lat_10` integer DEFAULT 0 NOT NULL,
	`lat_25` integer DEFAULT 0 NOT NULL,
	`lat_50` integer DEFAULT 0 NOT NULL,
	`lat_100` integer DEFAULT 0 NOT NULL,
	`lat_250` integer DEFAULT 0 NOT NULL,
	`lat_500` integer DEFAULT 0 NOT NULL,
	`lat_1000` integer DEFAULT 0 NOT NULL,
	`lat_2500` integer DEFAULT 0 NOT NULL,
	`lat_5000` integer DEFAULT 0 NOT NULL,
	`lat_10000` integer DEFAULT 0 NOT NULL,
	`lat_inf` integer DEFAULT 0 NOT NULL,
	`reports` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `service`, `bundle_id`, `bucket_start`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `telemetry_minutes_bucket` ON `telemetry_minutes` (`bucket_start`);--> statement-breakpoint
CREATE INDEX `telemetry_minutes_project_bucket` ON `telemetry_minutes` (`project_id`, `bucket_start`);--> statement-breakpoint
-- Hourly rollup of telemetry_minutes (same shape).
CREATE TABLE `telemetry_hours` (
	`project_id` text NOT NULL,
	`service` text NOT NULL,
	`bundle_id` text DEFAULT '' NOT NULL,
	`bucket_start` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors_5xx` integer DEFAULT 0 NOT NULL,
	`errors_4xx` integer DEFAULT 0 NOT NULL,
	`latency_sum_ms` real DEFAULT 0 NOT NULL,
	`lat_5` integer DEFAULT 0 NOT NULL,
	`lat_10` integer DEFAULT 0 NOT NULL,
	`lat_25` integer DEFAULT 0 NOT NULL,
	`lat_50` integer DEFAULT 0 NOT NULL,
	`lat_100` integer DEFAULT 0 NOT NULL,
	`lat_250` integer DEFAULT 0 NOT NULL,
	`lat_500` integer DEFAULT 0 NOT NULL,
	`lat_1000` integer DEFAULT 0 NOT NULL,
	`lat_2500` integer DEFAULT 0 NOT NULL,
	`lat_5000` integer DEFAULT 0 NOT NULL,
	`lat_10000` integer DEFAULT 0 NOT NULL,
	`lat_inf` integer DEFAULT 0 NOT NULL,
	`reports` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `service`, `bundle_id`, `bucket_start`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `telemetry_hours_bucket` ON `telemetry_hours` (`bucket_start`);--> statement-breakpoint
CREATE INDEX `telemetry_hours_project_bucket` ON `telemetry_hours` (`project_id`, `bucket_start`);--> statement-breakpoint
-- Daily rollup of telemetry_hours (same shape).
CREATE TABLE `telemetry_days` (
	`project_id` text NOT NULL,
	`service` text NOT NULL,
	`bundle_id` text DEFAULT '' NOT NULL,
	`bucket_start` integer NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors_5xx` integer DEFAULT 0 NOT NULL,
	`errors_4xx` integer DEFAULT 0 NOT NULL,
	`latency_sum_ms` real DEFAULT 0 NOT NULL,
	`lat_5` integer DEFAULT 0 NOT NULL,
	`lat_10` integer DEFAULT 0 NOT NULL,
	`lat_25` integer DEFAULT 0 NOT NULL,
	`lat_50` integer DEFAULT 0 NOT NULL,
	`lat_100` integer DEFAULT 0 NOT NULL,
	`lat_250` integer DEFAULT 0 NOT NULL,
	`lat_500` integer DEFAULT 0 NOT NULL,
	`lat_1000` integer DEFAULT 0 NOT NULL,
	`lat_2500` integer DEFAULT 0 NOT NULL,
	`lat_5000` integer DEFAULT 0 NOT NULL,
	`lat_10000` integer DEFAULT 0 NOT NULL,
	`lat_inf` integer DEFAULT 0 NOT NULL,
	`reports` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `service`, `bundle_id`, `bucket_start`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `telemetry_days_bucket` ON `telemetry_days` (`bucket_start`);--> statement-breakpoint
CREATE INDEX `telemetry_days_project_bucket` ON `telemetry_days` (`project_id`, `bucket_start`);--> statement-breakpoint
-- WAF decisions per project + service + rule + minute.
CREATE TABLE `waf_minutes` (
	`project_id` text NOT NULL,
	`service` text NOT NULL,
	`rule_id` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`blocked` integer DEFAULT 0 NOT NULL,
	`challenged` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `service`, `rule_id`, `bucket_start`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `waf_minutes_bucket` ON `waf_minutes` (`bucket_start`);--> statement-breakpoint
CREATE INDEX `waf_minutes_project_bucket` ON `waf_minutes` (`project_id`, `bucket_start`);--> statement-breakpoint
-- Hourly rollup of waf_minutes.
CREATE TABLE `waf_hours` (
	`project_id` text NOT NULL,
	`service` text NOT NULL,
	`rule_id` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`blocked` integer DEFAULT 0 NOT NULL,
	`challenged` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `service`, `rule_id`, `bucket_start`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `waf_hours_bucket` ON `waf_hours` (`bucket_start`);--> statement-breakpoint
CREATE INDEX `waf_hours_project_bucket` ON `waf_hours` (`project_id`, `bucket_start`);--> statement-breakpoint
-- Daily rollup of waf_hours.
CREATE TABLE `waf_days` (
	`project_id` text NOT NULL,
	`service` text NOT NULL,
	`rule_id` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`blocked` integer DEFAULT 0 NOT NULL,
	`challenged` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `service`, `rule_id`, `bucket_start`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `waf_days_bucket` ON `waf_days` (`bucket_start`);--> statement-breakpoint
CREATE INDEX `waf_days_project_bucket` ON `waf_days` (`project_id`, `bucket_start`);--> statement-breakpoint
-- WAF decisions per node and hour (written when the hour closes; nodes with no decisions have no row).
CREATE TABLE `waf_node_hours` (
	`project_id` text NOT NULL,
	`node_id` text NOT NULL,
	`bucket_start` integer NOT NULL,
	`blocked` integer DEFAULT 0 NOT NULL,
	`challenged` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `node_id`, `bucket_start`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `waf_node_hours_bucket` ON `waf_node_hours` (`bucket_start`);--> statement-breakpoint
CREATE TABLE `slos` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`service` text,
	`objective` text NOT NULL,
	`target` real NOT NULL,
	`latency_threshold_ms` integer,
	`window_days` integer NOT NULL,
	`alerting` text NOT NULL,
	`status` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slos_project_name` ON `slos` (`project_id`, `name`);--> statement-breakpoint
CREATE TABLE `slo_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`slo_id` text NOT NULL,
	`severity` text NOT NULL,
	`fired_at` integer NOT NULL,
	`resolved_at` integer,
	`fired_burn_rates` text NOT NULL,
	`resolved_burn_rates` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`slo_id`) REFERENCES `slos`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `slo_alerts_project_fired` ON `slo_alerts` (`project_id`, `fired_at`);--> statement-breakpoint
-- At most one open alert per SLO and severity: "fire" is an INSERT that this index lets succeed once.
CREATE UNIQUE INDEX `slo_alerts_open` ON `slo_alerts` (`slo_id`, `severity`) WHERE `resolved_at` IS NULL;
