-- Alert rules with their evaluation state, silences, transition history; WAF baselines and
-- anomalies (issue 14, alerts and WAF analytics). Written by hand (see docs/CONVENTIONS.md).
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL REFERENCES `projects`(`id`) ON DELETE CASCADE,
	`name` text NOT NULL,
	`description` text,
	`metric` text NOT NULL,
	`service` text,
	`comparator` text NOT NULL,
	`threshold` real NOT NULL,
	`window_seconds` integer NOT NULL,
	`for_seconds` integer NOT NULL,
	`severity` text NOT NULL,
	`enabled` integer NOT NULL DEFAULT 1,
	`state` text NOT NULL DEFAULT 'inactive',
	`state_since` integer NOT NULL,
	`breach_since` integer,
	`firing_notified` integer NOT NULL DEFAULT 0,
	`last_value` real,
	`last_evaluated_at` integer,
	`state_version` integer NOT NULL DEFAULT 0,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_rules_project_name` ON `alert_rules` (`project_id`,`name`);
--> statement-breakpoint
CREATE INDEX `alert_rules_enabled` ON `alert_rules` (`enabled`,`last_evaluated_at`);
--> statement-breakpoint
CREATE TABLE `alert_silences` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL REFERENCES `projects`(`id`) ON DELETE CASCADE,
	`rule_id` text REFERENCES `alert_rules`(`id`) ON DELETE CASCADE,
	`reason` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_silences_project` ON `alert_silences` (`project_id`,`ends_at`);
--> statement-breakpoint
CREATE TABLE `alert_history` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`rule_name` text NOT NULL,
	`from_state` text NOT NULL,
	`to_state` text NOT NULL,
	`value` real,
	`notified` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_history_project` ON `alert_history` (`project_id`,`at`);
--> statement-breakpoint
CREATE INDEX `alert_history_rule` ON `alert_history` (`rule_id`,`at`);
--> statement-breakpoint
CREATE TABLE `waf_baselines` (
	`project_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`hour_of_week` integer NOT NULL,
	`mean` real NOT NULL,
	`stddev` real NOT NULL,
	`samples` integer NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `rule_id`, `hour_of_week`)
);
--> statement-breakpoint
CREATE TABLE `waf_anomalies` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`direction` text NOT NULL,
	`observed` real NOT NULL,
	`expected` real NOT NULL,
	`stddev` real NOT NULL,
	`z` real NOT NULL,
	`severity` text NOT NULL,
	`window_start` integer NOT NULL,
	`window_end` integer NOT NULL,
	`detected_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `waf_anomalies_project` ON `waf_anomalies` (`project_id`,`detected_at`);
