/**
 * The simulator's report: request table by route, convergence percentiles, injected faults, and
 * a last line that states the outcome in one sentence (scripts and humans both read it).
 */

import { percentile, type RequestStats } from "./stats";
import type { FleetCounters } from "./virtual-node";

/** What the scenario knows about its rollout at the end. */
export interface RolloutOutcome {
  readonly id: string;
  /** Final state, or `timeout` / `interrupted` when the simulator stopped waiting. */
  readonly state: string;
  readonly durationS: number;
  readonly error: unknown;
}

/** Convergence percentiles (milliseconds). */
export interface ConvergenceSummary {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** Summarises convergence samples. */
export function summariseConvergence(samplesMs: readonly number[]): ConvergenceSummary {
  return {
    count: samplesMs.length,
    p50Ms: percentile(samplesMs, 0.5),
    p99Ms: percentile(samplesMs, 0.99),
    maxMs: samplesMs.length === 0 ? null : Math.max(...samplesMs),
  };
}

const count = (n: number) => n.toLocaleString("en-US");
const seconds = (ms: number | null) => (ms === null ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
const millis = (ms: number | null) => (ms === null ? "-" : ms.toFixed(1));

/** Lines of the per-route table. */
export function routeTable(stats: RequestStats): string[] {
  const rows = [...stats.routes.entries()].sort((a, b) => b[1].attempts - a[1].attempts);
  const width = Math.max(5, ...rows.map(([route]) => route.length));
  const lines = [
    `  ${"route".padEnd(width)}  ${"requests".padStart(9)}  ${"errors".padStart(6)}  ${"retries".padStart(7)}  ${"p50 ms".padStart(7)}  ${"p99 ms".padStart(7)}  statuses`,
  ];
  for (const [route, r] of rows) {
    const statuses = Object.entries(r.statuses)
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([status, n]) => `${status}×${count(n)}`)
      .join(" ");
    lines.push(
      `  ${route.padEnd(width)}  ${count(r.attempts).padStart(9)}  ${count(r.errors).padStart(6)}  ${count(r.retries).padStart(7)}  ${millis(percentile(r.durationsMs, 0.5)).padStart(7)}  ${millis(percentile(r.durationsMs, 0.99)).padStart(7)}  ${statuses}`,
    );
  }
  return lines;
}

/** Everything that goes into the report. */
export interface SummaryInput {
  readonly runId: string;
  readonly nodes: number;
  readonly enrollFailures: number;
  readonly stats: RequestStats;
  readonly counters: FleetCounters;
  readonly convergence: ConvergenceSummary;
  /** `rollout`: the scenario was to run one (it may not have started); `fleet`: nodes only. */
  readonly mode: "rollout" | "fleet";
  readonly rollout: RolloutOutcome | null;
  readonly wallS: number;
  readonly maxQueued: number;
  readonly problem: string | null;
}

/** The report lines; the last one is the verdict. */
export function renderSummary(input: SummaryInput): string[] {
  const { stats, counters: c, convergence: conv } = input;
  const lines = [
    "",
    `simulation ${input.runId}: ${count(input.nodes)} nodes enrolled${input.enrollFailures > 0 ? `, ${count(input.enrollFailures)} enrollments failed` : ""}, ${input.wallS.toFixed(1)} s wall time`,
    `requests: ${count(stats.totalAttempts)} (${count(stats.totalRetries)} retried, ${count(stats.totalErrors)} failed); most queued behind the concurrency cap: ${count(input.maxQueued)}`,
    ...routeTable(stats),
    `convergence (first offer → active): ${count(conv.count)} activations, p50 ${seconds(conv.p50Ms)}, p99 ${seconds(conv.p99Ms)}, max ${seconds(conv.maxMs)}`,
    `injected: ${count(c.injectedFailures)} activation failures, ${count(c.injectedUnhealthy)} unhealthy nodes, ${count(c.restarts)} churn restarts; refused: ${count(c.verifyFailures)} unverifiable, ${count(c.sequenceRefusals)} sequence`,
  ];
  if (input.problem !== null) {
    lines.push(`problem: ${input.problem}`);
  }
  const tail = `convergence p50 ${seconds(conv.p50Ms)} p99 ${seconds(conv.p99Ms)}; ${count(stats.totalAttempts)} requests, ${count(stats.totalErrors)} errors`;
  const r = input.rollout;
  if (r === null && input.mode === "fleet") {
    lines.push(`fleet run ${input.runId} ended after ${input.wallS.toFixed(1)} s; ${tail}`);
  } else if (r === null) {
    lines.push(`rollout not started after ${input.wallS.toFixed(1)} s; ${tail}`);
  } else {
    if (r.error !== null && r.error !== undefined) {
      lines.push(`rollout error: ${JSON.stringify(r.error)}`);
    }
    lines.push(`rollout ${r.id.slice(0, 8)}… ${r.state} in ${r.durationS.toFixed(1)} s; ${tail}`);
  }
  return lines;
}
