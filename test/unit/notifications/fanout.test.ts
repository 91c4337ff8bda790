import { describe, expect, it } from "vitest";
import { type ActiveRule, planDeliveries } from "../../../src/notifications/enqueue";

const ev = (id: string, type: string, projectId = "p1") => ({ id, type, projectId, createdAt: 1 });

describe("fan-out planning", () => {
  it("creates one delivery per matching channel, however many of its rules match", () => {
    const rules: ActiveRule[] = [
      { projectId: "p1", channelId: "slack", eventPattern: "*" },
      { projectId: "p1", channelId: "slack", eventPattern: "rollout.*" },
      { projectId: "p1", channelId: "pd", eventPattern: "rollout.failed" },
      { projectId: "p1", channelId: "hook", eventPattern: "drift.*" },
    ];
    const planned = planDeliveries([ev("e1", "rollout.failed"), ev("e2", "node.online")], rules);
    expect(planned).toEqual([
      { projectId: "p1", eventId: "e1", channelId: "slack" },
      { projectId: "p1", eventId: "e1", channelId: "pd" },
      { projectId: "p1", eventId: "e2", channelId: "slack" },
    ]);
  });

  it("never routes an event through another project's rules", () => {
    const rules: ActiveRule[] = [{ projectId: "p2", channelId: "other", eventPattern: "*" }];
    expect(planDeliveries([ev("e1", "rollout.failed", "p1")], rules)).toEqual([]);
  });
});
