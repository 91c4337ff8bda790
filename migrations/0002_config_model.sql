CREATE TABLE `config_entities` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`spec` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `config_entities_project_kind_name` ON `config_entities` (`project_id`,`kind`,`name`);--> statement-breakpoint
CREATE TABLE `config_certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`cert_pem` text NOT NULL,
	`chain_pem` text,
	`sealed_key` text NOT NULL,
	`subject` text NOT NULL,
	`issuer` text NOT NULL,
	`sans` text NOT NULL,
	`serial` text NOT NULL,
	`fingerprint_sha256` text NOT NULL,
	`key_algorithm` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`version` integer NOT NULL,
	`expiry_warned_days` integer,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `config_certificates_project_name` ON `config_certificates` (`project_id`,`name`);--> statement-breakpoint
CREATE INDEX `config_certificates_not_after` ON `config_certificates` (`not_after`);--> statement-breakpoint
CREATE TABLE `config_secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`sealed_value` text NOT NULL,
	`version` integer NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `config_secrets_project_name` ON `config_secrets` (`project_id`,`name`);
--> statement-breakpoint
CREATE TABLE `bundle_secret_refs` (
	`bundle_id` text NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	PRIMARY KEY(`bundle_id`, `kind`, `name`)
);
