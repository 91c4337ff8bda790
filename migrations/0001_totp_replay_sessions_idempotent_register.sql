ALTER TABLE `nodes` ADD `registration_hash` text;--> statement-breakpoint
ALTER TABLE `users` ADD `totp_last_step` integer;--> statement-breakpoint
CREATE INDEX `sessions_expires` ON `sessions` (`expires_at`);