/**
 * Creating a rollout in its Durable Object: the initial state from the domain, stored with its
 * first work, then the D1 rows: the rollouts row and one rollout_nodes row per planned
 * (`pending`) and skipped node, in one batch. D1 runs a batch as one transaction and serialises
 * writers, so the conflict check inside it is atomic: the rollouts row is inserted only when no
 * planned node is held by another active rollout, and the node rows only when the rollouts row
 * was. Two concurrent creations over the same node cannot both succeed.
 */
import { createRollout, type RolloutSummary, summarize } from "../../src/domain/rollout";
import type { CreateRolloutRequest, CreateRolloutResult } from "../../src/rpc/rollout";
import {
  HELD_NODES_CONDITION,
  nodesInActiveRollouts,
  UNPLANNED_STEP_INDEX,
} from "../../src/services/rollout-queries";
import { tickAt } from "./alarm";
import { progressJson } from "./execute";
import type { RolloutStore } from "./storage";
import { compileContext } from "./transition";
import { compileCommands } from "./work";

/** Node rows per insert statement (one JSON parameter of ~70 bytes per row). */
export const NODE_ROWS_PER_STATEMENT = 2_000;

/** The `rollouts.created_by` text: `<actor type>:<actor id>`, as bundles record it. */
export function createdByText(req: Pick<CreateRolloutRequest, "actor">): string {
  return `${req.actor.type}:${req.actor.id}`;
}

/** The creation batch; its first statement's `changes` says whether the rollout was created. */
export function creationStatements(
  d1: D1Database,
  req: CreateRolloutRequest,
  summary: RolloutSummary,
  nextTickAt: number | null,
  now: number,
): D1PreparedStatement[] {
  const planned = req.steps.flat();
  const rollout = d1
    .prepare(
      `INSERT INTO rollouts (id, project_id, bundle_id, state, strategy, spec, progress,
         current_step, step_count, error, created_by, created_by_user_id, scheduled_at, started_at,
         completed_at, next_tick_at, created_at, updated_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, NULL, ?, ?, ?
       WHERE NOT ${HELD_NODES_CONDITION}`,
    )
    .bind(
      req.id,
      req.projectId,
      req.bundleId,
      summary.state,
      summary.strategy,
      req.specRecord,
      JSON.stringify(progressJson(summary)),
      summary.stepIndex,
      summary.stepCount,
      createdByText(req),
      req.actor.type === "user" ? req.actor.id : null,
      summary.scheduledAt,
      summary.startedAt,
      nextTickAt,
      now,
      now,
      JSON.stringify(planned),
    );
  const rows: Array<[string, number, "pending" | "skipped", string | null]> = [];
  req.steps.forEach((ids, step) => {
    for (const id of ids) {
      rows.push([id, step, "pending", null]);
    }
  });
  for (const s of req.skipped) {
    rows.push([s.nodeId, UNPLANNED_STEP_INDEX, "skipped", s.reason]);
  }
  const nodeStatements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += NODE_ROWS_PER_STATEMENT) {
    nodeStatements.push(
      d1
        .prepare(
          `INSERT INTO rollout_nodes (rollout_id, node_id, step_index, state, error, updated_at)
           SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'),
             json_extract(value, '$[2]'), json_extract(value, '$[3]'), ?
           FROM json_each(?) WHERE EXISTS (SELECT 1 FROM rollouts WHERE id = ?)`,
        )
        .bind(req.id, now, JSON.stringify(rows.slice(i, i + NODE_ROWS_PER_STATEMENT)), req.id),
    );
  }
  return [rollout, ...nodeStatements];
}

/** Whether the rollouts row exists (to settle a creation batch whose outcome is unknown). */
async function rolloutRowExists(d1: D1Database, id: string): Promise<boolean> {
  const row = await d1.prepare("SELECT 1 AS found FROM rollouts WHERE id = ?").bind(id).first();
  return row !== null;
}

/**
 * Creates the rollout of `req` in `store` and D1 at `now`. The state is stored first (a crash
 * before the D1 batch leaves an unarmed DO nothing references) and forgotten again when the
 * batch finds a node conflict or fails. On `created` the caller runs the queued work (audit
 * entries, events) and arms the alarm.
 */
export async function createStoredRollout(
  store: RolloutStore,
  d1: D1Database,
  req: CreateRolloutRequest,
  now: number,
): Promise<CreateRolloutResult> {
  if (store.loadMeta()) {
    return { kind: "exists" };
  }
  const result = createRollout({
    id: req.id,
    bundleId: req.bundleId,
    spec: req.spec,
    steps: req.steps,
    createdBy: req.actor.id,
    now,
    approvalsRequired: req.approvalsRequired,
    scheduledAt: req.scheduledAt,
    heartbeatIntervalSeconds: req.heartbeatIntervalSeconds,
  });
  const nextTick = tickAt({ wakeAt: result.wakeAt, deferredUntil: null, lastTickAt: null, now });
  // The creation batch writes the rollouts row; the rest (audit, events) is outbox work.
  const work = compileCommands(
    result.commands.filter((c) => c.type !== "persist_rollout"),
    compileContext({ actor: req.actor, requestId: req.requestId }, now, nextTick, false),
  );
  store.create(
    result.rollout,
    {
      rolloutId: req.id,
      projectId: req.projectId,
      orgId: req.orgId,
      lastTickAt: null,
      nextTickWritten: nextTick,
      deferredUntil: null,
      deferredBy: null,
      wakeAt: result.wakeAt,
      engineError: false,
    },
    work,
  );
  const statements = creationStatements(d1, req, summarize(result.rollout), nextTick, now);
  try {
    const [inserted] = await d1.batch(statements);
    if ((inserted?.meta.changes ?? 0) === 0) {
      await store.clear();
      const held = await nodesInActiveRollouts(d1, req.steps.flat(), req.id);
      return { kind: "node_conflict", nodeIds: [...held].sort() };
    }
  } catch (err) {
    // A batch whose reply was lost may still have committed.
    if (!(await rolloutRowExists(d1, req.id))) {
      await store.clear();
      throw err;
    }
  }
  return { kind: "created" };
}
