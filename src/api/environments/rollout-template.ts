/**
 * Rollouts made from the project's default rollout template (`settings.rollout_template`), as
 * environment promotions and GitOps auto-rollouts create them. The template holds spec fields
 * (strategy, batches, gates, …) and optionally a `target_selector`; the bundle, the target of a
 * promotion and the start time are never taken from it.
 */
import type { RolloutCreateInput } from "../../services/rollout-create";
import type { TargetSelector } from "../../services/rollout-target";
import { type ErrorDetail, zodDetails } from "../errors";
import { createRolloutBody } from "../rollouts/schema";

/** The create input, or the template's problems (paths prefixed with the setting's name). */
export type TemplateResult =
  | { ok: true; input: RolloutCreateInput }
  | { ok: false; details: ErrorDetail[] };

/**
 * Builds a rollout create input for `bundleId` from `template`, targeting `selector` (or the
 * template's own `target_selector`, or every node), starting as soon as approved. Validated by
 * the same schema as POST …/rollouts, so a template can hold nothing that route would refuse.
 */
export function rolloutFromTemplate(
  template: Record<string, unknown> | undefined,
  bundleId: string,
  selector: TargetSelector | null,
): TemplateResult {
  const { bundle_id: _b, scheduled_at: _s, target_selector, ...spec } = template ?? {};
  const parsed = createRolloutBody.safeParse({
    ...spec,
    bundle_id: bundleId,
    target_selector: selector ?? target_selector ?? { type: "all" },
    scheduled_at: null,
  });
  if (!parsed.success) {
    return {
      ok: false,
      details: zodDetails(parsed.error).map((d) => ({
        ...d,
        path: `settings.rollout_template.${d.path}`,
      })),
    };
  }
  return { ok: true, input: parsed.data };
}
