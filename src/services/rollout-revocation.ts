import type { Services } from "./index";
import { activeRolloutsOfBundle } from "./rollout-queries";

/** Outcome of {@link notifyBundleRevoked}. */
export interface RevocationNotice {
  /** Active rollouts of the bundle that ran their tick. */
  readonly ticked: number;
  /** Rollouts whose Durable Object could not be reached (their alarm still catches it). */
  readonly failed: readonly string[];
}

/**
 * Makes every active rollout of a just-revoked bundle fail safely now: each one's Durable
 * Object runs a tick, which reads the revoked status and fails the rollout (rolling back nodes
 * that activated it, withdrawing the offer from the others). Needed because rollouts awaiting
 * approval have no alarm; running ones would also notice on their next tick, this only makes
 * it immediate. Call it after the revocation is committed (the bundle revoke route).
 */
export async function notifyBundleRevoked(
  services: Pick<Services, "d1" | "rollouts" | "logger">,
  projectId: string,
  bundleId: string,
): Promise<RevocationNotice> {
  const ids = await activeRolloutsOfBundle(services.d1, projectId, bundleId);
  const failed: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      try {
        await services.rollouts.get(services.rollouts.idFromName(id)).tick();
      } catch (err) {
        failed.push(id);
        services.logger.warn("revoked bundle: rollout tick failed", {
          rollout_id: id,
          bundle_id: bundleId,
          error: String(err),
        });
      }
    }),
  );
  return { ticked: ids.length - failed.length, failed };
}
