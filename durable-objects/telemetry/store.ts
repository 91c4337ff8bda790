/**
 * The aggregator's own SQLite storage: dedupe keys, open minute aggregates and WAF counters.
 * Each row carries `rev` (bumped on every change) and `flushed_rev` (the rev last written to
 * D1), so a row is dirty while `rev > flushed_rev`, and a change that lands during a flush
 * stays dirty for the next one.
 */

import type { MinuteRow, WafNodeRow, WafRow } from "../../src/db/telemetry-writes";
import { addHistograms, emptyHistogram } from "../../src/domain/telemetry/buckets";
import type { Counts } from "../../src/domain/telemetry/report";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (
  node_id TEXT NOT NULL, interval_start INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (node_id, interval_start));
CREATE INDEX IF NOT EXISTS seen_expires ON seen (expires_at);
CREATE TABLE IF NOT EXISTS minutes (
  service TEXT NOT NULL, bundle_id TEXT NOT NULL, bucket_start INTEGER NOT NULL,
  requests INTEGER NOT NULL, errors_5xx INTEGER NOT NULL, errors_4xx INTEGER NOT NULL,
  latency_sum_ms REAL NOT NULL, latency TEXT NOT NULL, reports INTEGER NOT NULL,
  rev INTEGER NOT NULL, flushed_rev INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (service, bundle_id, bucket_start));
CREATE INDEX IF NOT EXISTS minutes_bucket ON minutes (bucket_start);
CREATE TABLE IF NOT EXISTS waf (
  service TEXT NOT NULL, rule_id TEXT NOT NULL, bucket_start INTEGER NOT NULL,
  blocked INTEGER NOT NULL, challenged INTEGER NOT NULL,
  rev INTEGER NOT NULL, flushed_rev INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (service, rule_id, bucket_start));
CREATE TABLE IF NOT EXISTS waf_nodes (
  node_id TEXT NOT NULL, bucket_start INTEGER NOT NULL,
  blocked INTEGER NOT NULL, challenged INTEGER NOT NULL,
  PRIMARY KEY (node_id, bucket_start));
`;

interface MinuteRecord extends Record<string, SqlStorageValue> {
  service: string;
  bundle_id: string;
  bucket_start: number;
  requests: number;
  errors_5xx: number;
  errors_4xx: number;
  latency_sum_ms: number;
  latency: string;
  reports: number;
  rev: number;
}

function parseLatency(text: string): number[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? addHistograms(emptyHistogram(), value.map(Number)) : [];
  } catch {
    return emptyHistogram();
  }
}

function countsOf(r: MinuteRecord): Counts {
  return {
    requests: r.requests,
    errors5xx: r.errors_5xx,
    errors4xx: r.errors_4xx,
    latencySumMs: r.latency_sum_ms,
    latency: parseLatency(r.latency),
    reports: r.reports,
  };
}

/** Typed access to the aggregator's tables. */
export class AggregatorStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  getMeta(key: string): string | null {
    const rows = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key);
    return rows.toArray()[0]?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }

  /** Records the dedupe key; false when it was already recorded (a retry). */
  markSeen(nodeId: string, intervalStart: number, expiresAt: number): boolean {
    const cursor = this.sql.exec(
      "INSERT OR IGNORE INTO seen (node_id, interval_start, expires_at) VALUES (?, ?, ?)",
      nodeId,
      intervalStart,
      expiresAt,
    );
    return cursor.rowsWritten > 0;
  }

  /** Adds `counts` to the minute row of (service, bundle, bucket). */
  addMinute(service: string, bundleId: string, bucketStart: number, counts: Counts): void {
    const existing = this.sql
      .exec<MinuteRecord>(
        "SELECT * FROM minutes WHERE service = ? AND bundle_id = ? AND bucket_start = ?",
        service,
        bundleId,
        bucketStart,
      )
      .toArray()[0];
    const base = existing ? countsOf(existing) : null;
    const sum = base
      ? {
          requests: base.requests + counts.requests,
          errors5xx: base.errors5xx + counts.errors5xx,
          errors4xx: base.errors4xx + counts.errors4xx,
          latencySumMs: base.latencySumMs + counts.latencySumMs,
          latency: addHistograms(base.latency, counts.latency),
          reports: base.reports + counts.reports,
        }
      : counts;
    this.sql.exec(
      `INSERT INTO minutes (service, bundle_id, bucket_start, requests, errors_5xx, errors_4xx,
         latency_sum_ms, latency, reports, rev, flushed_rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0)
       ON CONFLICT (service, bundle_id, bucket_start) DO UPDATE SET requests = excluded.requests,
         errors_5xx = excluded.errors_5xx, errors_4xx = excluded.errors_4xx,
         latency_sum_ms = excluded.latency_sum_ms, latency = excluded.latency,
         reports = excluded.reports, rev = minutes.rev + 1`,
      service,
      bundleId,
      bucketStart,
      sum.requests,
      sum.errors5xx,
      sum.errors4xx,
      sum.latencySumMs,
      JSON.stringify(sum.latency),
      sum.reports,
    );
  }

  /** Adds WAF decisions of one rule to its minute row. */
  addWaf(
    service: string,
    ruleId: string,
    bucketStart: number,
    blocked: number,
    challenged: number,
  ): void {
    this.sql.exec(
      `INSERT INTO waf (service, rule_id, bucket_start, blocked, challenged, rev, flushed_rev)
       VALUES (?, ?, ?, ?, ?, 1, 0)
       ON CONFLICT (service, rule_id, bucket_start) DO UPDATE SET
         blocked = waf.blocked + excluded.blocked,
         challenged = waf.challenged + excluded.challenged, rev = waf.rev + 1`,
      service,
      ruleId,
      bucketStart,
      blocked,
      challenged,
    );
  }

  /** Adds WAF decisions of one node to its hour row. */
  addWafNode(nodeId: string, hourStart: number, blocked: number, challenged: number): void {
    this.sql.exec(
      `INSERT INTO waf_nodes (node_id, bucket_start, blocked, challenged) VALUES (?, ?, ?, ?)
       ON CONFLICT (node_id, bucket_start) DO UPDATE SET blocked = waf_nodes.blocked +
         excluded.blocked, challenged = waf_nodes.challenged + excluded.challenged`,
      nodeId,
      hourStart,
      blocked,
      challenged,
    );
  }

  /** Minute rows changed since their last flush, with the rev being written. */
  dirtyMinutes(): Array<MinuteRow & { rev: number }> {
    return this.sql
      .exec<MinuteRecord>("SELECT * FROM minutes WHERE rev > flushed_rev")
      .toArray()
      .map((r) => ({
        service: r.service,
        bundleId: r.bundle_id,
        bucketStart: r.bucket_start,
        counts: countsOf(r),
        rev: r.rev,
      }));
  }

  /** WAF minute rows changed since their last flush. */
  dirtyWaf(): Array<WafRow & { rev: number }> {
    return this.sql
      .exec<{
        service: string;
        rule_id: string;
        bucket_start: number;
        blocked: number;
        challenged: number;
        rev: number;
      }>("SELECT * FROM waf WHERE rev > flushed_rev")
      .toArray()
      .map((r) => ({
        service: r.service,
        ruleId: r.rule_id,
        bucketStart: r.bucket_start,
        blocked: r.blocked,
        challenged: r.challenged,
        rev: r.rev,
      }));
  }

  /** Per-node WAF hours that ended before `hourStart` (complete, ready to write). */
  closedWafNodes(hourStart: number): WafNodeRow[] {
    return this.sql
      .exec<{ node_id: string; bucket_start: number; blocked: number; challenged: number }>(
        "SELECT * FROM waf_nodes WHERE bucket_start < ?",
        hourStart,
      )
      .toArray()
      .map((r) => ({
        nodeId: r.node_id,
        bucketStart: r.bucket_start,
        blocked: r.blocked,
        challenged: r.challenged,
      }));
  }

  /** Marks rows written up to the rev that was sent (later changes stay dirty). */
  markFlushed(
    minutes: ReadonlyArray<MinuteRow & { rev: number }>,
    waf: ReadonlyArray<WafRow & { rev: number }>,
    wafNodesBefore: number | null,
  ): void {
    for (const m of minutes) {
      this.sql.exec(
        `UPDATE minutes SET flushed_rev = MAX(flushed_rev, ?)
         WHERE service = ? AND bundle_id = ? AND bucket_start = ?`,
        m.rev,
        m.service,
        m.bundleId,
        m.bucketStart,
      );
    }
    for (const w of waf) {
      this.sql.exec(
        `UPDATE waf SET flushed_rev = MAX(flushed_rev, ?)
         WHERE service = ? AND rule_id = ? AND bucket_start = ?`,
        w.rev,
        w.service,
        w.ruleId,
        w.bucketStart,
      );
    }
    if (wafNodesBefore !== null) {
      this.sql.exec("DELETE FROM waf_nodes WHERE bucket_start < ?", wafNodesBefore);
    }
  }

  /** Sums of minute rows since `since`, split into `bundleId` and every other bundle. */
  cohortRows(service: string | null, since: number): Array<{ bundleId: string; counts: Counts }> {
    const rows =
      service === null
        ? this.sql.exec<MinuteRecord>("SELECT * FROM minutes WHERE bucket_start >= ?", since)
        : this.sql.exec<MinuteRecord>(
            "SELECT * FROM minutes WHERE bucket_start >= ? AND service = ?",
            since,
            service,
          );
    return rows.toArray().map((r) => ({ bundleId: r.bundle_id, counts: countsOf(r) }));
  }

  /** Drops expired dedupe keys and flushed rows older than `before`. */
  prune(now: number, before: number): void {
    this.sql.exec("DELETE FROM seen WHERE expires_at < ?", now);
    this.sql.exec("DELETE FROM minutes WHERE bucket_start < ? AND rev <= flushed_rev", before);
    this.sql.exec("DELETE FROM waf WHERE bucket_start < ? AND rev <= flushed_rev", before);
  }

  /** Whether anything is still held (then the alarm must keep running). */
  holdsData(): boolean {
    const row = this.sql
      .exec<{ n: number }>(
        `SELECT (SELECT COUNT(*) FROM seen) + (SELECT COUNT(*) FROM minutes) +
           (SELECT COUNT(*) FROM waf) + (SELECT COUNT(*) FROM waf_nodes) AS n`,
      )
      .one();
    return row.n > 0;
  }

  /** Whether any row waits for a flush. */
  hasDirty(): boolean {
    const row = this.sql
      .exec<{ n: number }>(
        `SELECT (SELECT COUNT(*) FROM minutes WHERE rev > flushed_rev) +
           (SELECT COUNT(*) FROM waf WHERE rev > flushed_rev) AS n`,
      )
      .one();
    return row.n > 0;
  }
}
