-- Single sign-on (issue 16): per-org OIDC and SAML 2.0 providers, the identities they vouched
-- for, server-side OIDC login state, "SSO required" per org and SSO-managed memberships.
CREATE TABLE `sso_providers` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL REFERENCES `orgs`(`id`),
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`config` text NOT NULL,
	`client_secret_enc` text,
	`email_domains` text DEFAULT '[]' NOT NULL,
	`role_mappings` text DEFAULT '[]' NOT NULL,
	`default_role` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `sso_providers_org_name` ON `sso_providers` (`org_id`,`name`);--> statement-breakpoint
CREATE TABLE `sso_identities` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL REFERENCES `sso_providers`(`id`) ON DELETE CASCADE,
	`subject` text NOT NULL,
	`user_id` text NOT NULL REFERENCES `users`(`id`),
	`email` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_login_at` integer NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `sso_identities_provider_subject` ON `sso_identities` (`provider_id`,`subject`);--> statement-breakpoint
CREATE INDEX `sso_identities_user` ON `sso_identities` (`user_id`);--> statement-breakpoint
CREATE TABLE `sso_login_states` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL REFERENCES `sso_providers`(`id`) ON DELETE CASCADE,
	`org_id` text NOT NULL,
	`browser_hash` text NOT NULL,
	`nonce` text NOT NULL,
	`code_verifier` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`return_to` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);--> statement-breakpoint
CREATE INDEX `sso_login_states_expires` ON `sso_login_states` (`expires_at`);--> statement-breakpoint
ALTER TABLE `orgs` ADD `sso_required` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `memberships` ADD `managed_by_provider_id` text;
