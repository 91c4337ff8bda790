-- Bundle GC safety (issue 17): a grace period counted from the last submission, the reason a
-- bundle was collected (answered as 410 while the tombstone row lives), and an index for the
-- GC's scans of soft-deleted rows.
ALTER TABLE `bundles` ADD `last_submitted_at` integer;--> statement-breakpoint
ALTER TABLE `bundles` ADD `gc_reason` text;--> statement-breakpoint
UPDATE `bundles` SET `last_submitted_at` = `created_at`;--> statement-breakpoint
CREATE INDEX `bundles_deleted` ON `bundles` (`deleted_at`);
