import { useState } from "preact/hooks";
import { api, projectPath } from "../lib/api";
import { useProject } from "../lib/context";
import type { Rollout } from "../lib/types";
import { ConfirmButton, ErrorBox, useAction } from "./ui";

type Action = "pause" | "resume" | "cancel" | "rollback" | "approve" | "reject" | "promote";

/** The state of the rollout's current step (its phase while running), if known. */
export function currentStepState(r: Rollout): string | null {
  return r.steps?.find((s) => s.index === r.current_step)?.state ?? null;
}

/** Which operator actions a rollout accepts in its state (the engine refuses the rest). */
export function actionsFor(r: Rollout): Action[] {
  switch (r.state) {
    case "pending_approval":
      return ["approve", "reject", "cancel"];
    case "scheduled":
      return ["cancel"];
    case "running":
      return currentStepState(r) === "awaiting_promotion"
        ? ["promote", "pause", "cancel", "rollback"]
        : ["pause", "cancel", "rollback"];
    case "paused":
      return ["resume", "cancel", "rollback"];
    case "completed":
    case "failed":
    case "cancelled":
      return ["rollback"];
    default:
      return [];
  }
}

const CONFIRM: Partial<Record<Action, string>> = {
  cancel: "Nodes already on the new bundle keep it; no further nodes are assigned.",
  rollback: "Every node this rollout touched is sent back to the bundle it ran before.",
};

/** Pause/resume/cancel/rollback/approve/reject/promote buttons, for operators who may. */
export function RolloutActions({ rollout, onDone }: { rollout: Rollout; onDone: () => void }) {
  const { project, can } = useProject();
  const { busy, error, run } = useAction();
  const [comment, setComment] = useState("");
  if (!can("rollouts:write")) {
    return null;
  }
  const post = (action: Action, body: Record<string, unknown> = {}) =>
    api(projectPath(project.slug, `/rollouts/${rollout.id}/${action}`), { method: "POST", body });
  const act = (action: Action) => async () => {
    const body =
      (action === "approve" || action === "reject") && comment.trim()
        ? { comment: comment.trim() }
        : {};
    await run(() => post(action, body), `Rollout ${action} requested`);
    onDone();
  };
  const actions = actionsFor(rollout);
  return (
    <div class="row wrap" data-testid="rollout-actions">
      {actions.includes("reject") && (
        <>
          <label class="sr-only" for="approval-comment">
            Comment
          </label>
          <input
            id="approval-comment"
            placeholder="Comment (needed to reject)"
            value={comment}
            onInput={(e) => setComment(e.currentTarget.value)}
          />
        </>
      )}
      {actions.map((a) =>
        CONFIRM[a] ? (
          <ConfirmButton
            key={a}
            label={a === "rollback" ? "Roll back" : "Cancel rollout"}
            title={a === "rollback" ? "Roll back this rollout?" : "Cancel this rollout?"}
            body={<p>{CONFIRM[a]}</p>}
            danger
            onConfirm={async () => {
              await post(a);
              onDone();
            }}
          />
        ) : (
          <button
            key={a}
            type="button"
            class={a === "approve" || a === "promote" || a === "resume" ? "btn btn-primary" : "btn"}
            disabled={busy || (a === "reject" && comment.trim() === "")}
            onClick={act(a)}
          >
            {a[0]?.toUpperCase()}
            {a.slice(1)}
          </button>
        ),
      )}
      <ErrorBox error={error} />
    </div>
  );
}
