import { humanize } from "../lib/format";
import type { RolloutNodeState } from "../lib/types";

/** Node states in the order a bar shows them (done first). */
export const NODE_STATE_ORDER: RolloutNodeState[] = [
  "verified",
  "active",
  "staged",
  "assigned",
  "pending",
  "failed",
  "rolled_back",
  "skipped",
];

/** Nodes that reached the new bundle. */
export function doneCount(progress: Partial<Record<string, number>>): number {
  return (progress.verified ?? 0) + (progress.active ?? 0);
}

/**
 * A stacked bar of per-node states with a text equivalent ("3 of 10 nodes done; …"), exposed
 * as a progressbar for assistive technology.
 */
export function RolloutProgress({ progress }: { progress: Partial<Record<string, number>> }) {
  const total = progress.total ?? NODE_STATE_ORDER.reduce((sum, s) => sum + (progress[s] ?? 0), 0);
  const done = doneCount(progress);
  const parts = NODE_STATE_ORDER.filter((s) => (progress[s] ?? 0) > 0);
  const text = parts.map((s) => `${progress[s]} ${humanize(s)}`).join(", ");
  return (
    <div class="progress-wrap">
      <div
        class="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} nodes on the new bundle; ${text}`}
      >
        {total > 0 &&
          parts.map((s) => (
            <span
              key={s}
              class={`seg seg-${s}`}
              style={{ width: `${((progress[s] ?? 0) / total) * 100}%` }}
              title={`${progress[s]} ${humanize(s)}`}
            />
          ))}
      </div>
      <div class="small muted">
        {done}/{total} done{text ? ` · ${text}` : ""}
      </div>
    </div>
  );
}
