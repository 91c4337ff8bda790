/**
 * The bundle offer a node gets, computed the same way for a poll (`GET …/bundles/latest`) and a
 * push (NodeShardDO): polling is the source of truth, so a pushed offer must be byte-for-byte
 * what the node's next poll would answer (apart from the jittered `poll_after_s`).
 */
import type { BundleRow, NodeRow } from "./index";

/** The offer body (`BundleOffer` in the OpenAPI document). */
export interface BundleOfferBody {
  bundle_id: string;
  version: string;
  sequence: number;
  checksum: string;
  size_bytes: number;
  download_url: string;
  signature: string;
  signing_key_id: string;
  rollout_id: string | null;
  rollback: boolean;
  poll_after_s: number;
}

/** The node fields an offer depends on. */
export type OfferNode = Pick<
  NodeRow,
  | "id"
  | "projectId"
  | "desiredBundleId"
  | "activeBundleId"
  | "desiredRolloutId"
  | "desiredIsRollback"
>;

/** Why a node with a desired bundle still gets no offer. */
export type NoOfferReason = "nothing_new" | "not_compiled" | "incomplete";

/**
 * The offer for `node` given its desired bundle's row (`undefined` when the row is missing or
 * belongs to another project), or why there is none. `origin` is the control plane's origin as
 * the node reached it (download URLs are absolute on it).
 */
export function offerFor(
  node: OfferNode,
  bundle: BundleRow | undefined,
  origin: string,
  pollAfterS: number,
): { offer: BundleOfferBody } | { offer: null; reason: NoOfferReason } {
  if (node.desiredBundleId === null || node.desiredBundleId === node.activeBundleId) {
    return { offer: null, reason: "nothing_new" };
  }
  if (bundle?.status !== "compiled" || bundle.id !== node.desiredBundleId) {
    // Revoked (or never compiled): nothing to offer; the operator or rollout reassigns.
    return { offer: null, reason: "not_compiled" };
  }
  const { checksum, sizeBytes, signature, signingKeyId } = bundle;
  if (checksum === null || sizeBytes === null || signature === null || signingKeyId === null) {
    return { offer: null, reason: "incomplete" };
  }
  return {
    offer: {
      bundle_id: bundle.id,
      version: bundle.version,
      sequence: bundle.sequence,
      checksum,
      size_bytes: sizeBytes,
      download_url: new URL(
        `/api/v1/nodes/${node.id}/bundles/${bundle.id}/download`,
        origin,
      ).toString(),
      signature,
      signing_key_id: signingKeyId,
      rollout_id: node.desiredRolloutId,
      rollback: node.desiredIsRollback,
      poll_after_s: pollAfterS,
    },
  };
}
