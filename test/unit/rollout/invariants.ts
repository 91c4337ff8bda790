import { expect } from "vitest";
import type { DrivenStep } from "../../../src/domain/rollout/testing/simulator";
import { BUNDLE } from "./helpers";

/**
 * Tracks assignments across a driven rollout and checks, after every reduction:
 * - a reduction never targets one node with two assign/unassign commands (two bundles at once);
 * - each node is assigned the rollout's bundle at most once;
 * - once a node was given its previous bundle back (rollback), it is never assigned the new one.
 */
export class AssignmentLedger {
  readonly forward = new Map<string, number>();
  readonly rolledBack = new Map<string, string | null>();
  readonly events: Array<{ at: number; event: string; payload: unknown }> = [];
  readonly steps: DrivenStep[] = [];

  readonly check = (step: DrivenStep): void => {
    this.steps.push(step);
    const seen = new Set<string>();
    for (const command of step.result.commands) {
      if (command.type === "emit_event") {
        this.events.push({ at: step.at, event: command.event, payload: command.payload });
      }
      if (command.type !== "assign" && command.type !== "unassign") {
        continue;
      }
      expect(seen.has(command.nodeId), `two assignments for ${command.nodeId} at ${step.at}`).toBe(
        false,
      );
      seen.add(command.nodeId);
      if (command.type === "assign" && !command.rollback) {
        expect(command.bundleId).toBe(BUNDLE);
        expect(
          this.rolledBack.has(command.nodeId),
          `${command.nodeId} re-assigned after rollback`,
        ).toBe(false);
        this.forward.set(command.nodeId, (this.forward.get(command.nodeId) ?? 0) + 1);
        expect(this.forward.get(command.nodeId)).toBe(1);
      } else if (command.type === "assign") {
        expect(command.bundleId).not.toBe(BUNDLE);
        expect(command.ifDesiredBundleId).toBe(BUNDLE);
        this.rolledBack.set(command.nodeId, command.bundleId);
      } else {
        expect(command.bundleId).toBe(BUNDLE);
        if (command.restoreBundleId === null) {
          this.rolledBack.set(command.nodeId, null);
        }
      }
    }
  };

  /** Emitted events of one type, with their time. */
  emitted(event: string): Array<{ at: number; payload: unknown }> {
    return this.events.filter((e) => e.event === event);
  }
}
