-- SAML 2.0 SP state (issue 16b). Both tables hold short-lived rows (minutes) that the
-- `saml-state` cron task prunes; provider_id is not a foreign key so deleting a provider never
-- waits on them (a row of a deleted provider can no longer match a configured provider).
CREATE TABLE `saml_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`binding_hash` text NOT NULL,
	`org_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`return_to` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saml_requests_binding` ON `saml_requests` (`binding_hash`);--> statement-breakpoint
CREATE INDEX `saml_requests_expires` ON `saml_requests` (`expires_at`);--> statement-breakpoint
CREATE TABLE `saml_assertion_ids` (
	`provider_id` text NOT NULL,
	`assertion_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`provider_id`, `assertion_id`)
);
--> statement-breakpoint
CREATE INDEX `saml_assertion_ids_expires` ON `saml_assertion_ids` (`expires_at`);
