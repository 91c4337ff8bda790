import type { Outcome } from "./commands";
import type { Rollout } from "./types";

/** What a state handler returns: the next state and how the event was treated. */
export interface Handled {
  readonly rollout: Rollout;
  readonly outcome: Outcome;
}

/** The event changed (or may have changed) the rollout. */
export function applied(rollout: Rollout): Handled {
  return { rollout, outcome: { kind: "applied" } };
}

/** Nothing to do; the rollout is returned unchanged. */
export function ignored(rollout: Rollout, reason: string): Handled {
  return { rollout, outcome: { kind: "ignored", reason } };
}

/** An operator command not allowed now; the rollout is returned unchanged. */
export function refused(
  rollout: Rollout,
  code: "invalid_state" | "forbidden" | "invalid_input",
  message: string,
): Handled {
  return { rollout, outcome: { kind: "refused", code, message } };
}
