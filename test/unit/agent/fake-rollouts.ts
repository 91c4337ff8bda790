/**
 * The operator side of the fake control plane, just enough for the simulator's scenario:
 * compile a bundle (`POST …/bundles`, compiled on first read), and a rolling rollout over
 * label-selected nodes that advances a batch once every node of the current batch runs the
 * bundle and fails as soon as one of them reports `failed`.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { API_KEY, type FakeControlPlane, PROJECT } from "./fake-control-plane";

interface FakeRollout {
  readonly id: string;
  readonly bundleId: string;
  readonly batches: string[][];
  step: number;
  state: "running" | "completed" | "failed";
  error: { message: string } | null;
}

/** Rollouts of the fake control plane. */
export class FakeRollouts {
  readonly all = new Map<string, FakeRollout>();
  /** Bundles that compile on first read (so the client has to wait at least once). */
  readonly pending = new Set<string>();

  constructor(private readonly cp: FakeControlPlane) {}

  /** Starts a rolling rollout over the nodes whose labels include `labels`. */
  create(bundleId: string, labels: Record<string, string>, batchPercentage: number): FakeRollout {
    const targets = [...this.cp.nodes.values()]
      .filter((n) => Object.entries(labels).every(([k, v]) => n.labels[k] === v))
      .map((n) => n.id);
    const size = Math.max(1, Math.ceil((targets.length * batchPercentage) / 100));
    const batches: string[][] = [];
    for (let i = 0; i < targets.length; i += size) {
      batches.push(targets.slice(i, i + size));
    }
    const rollout: FakeRollout = {
      id: randomUUID(),
      bundleId,
      batches,
      step: 0,
      state: "running",
      error: null,
    };
    this.all.set(rollout.id, rollout);
    this.assignStep(rollout);
    this.tick();
    return rollout;
  }

  private assignStep(rollout: FakeRollout): void {
    for (const nodeId of rollout.batches[rollout.step] ?? []) {
      this.cp.assign(nodeId, rollout.bundleId, { rolloutId: rollout.id });
    }
  }

  /** Advances every running rollout as far as the nodes' reports allow. */
  tick(): void {
    for (const rollout of this.all.values()) {
      while (rollout.state === "running") {
        const batch = rollout.batches[rollout.step];
        if (batch === undefined) {
          rollout.state = "completed";
          break;
        }
        const nodes = batch.map((id) => this.cp.node(id));
        const failed = nodes.find((n) =>
          n.reports.some((r) => r.bundleId === rollout.bundleId && r.kind === "failed"),
        );
        if (failed !== undefined) {
          rollout.state = "failed";
          rollout.error = { message: `node ${failed.name} failed` };
          break;
        }
        if (!nodes.every((n) => n.active === rollout.bundleId)) {
          break;
        }
        rollout.step += 1;
        this.assignStep(rollout);
      }
    }
  }
}

type Reply = (status: number, payload?: unknown) => void;
type ErrorReply = (status: number, code: string, message: string) => void;

/** Serves the operator routes; returns false when the path is not one of them. */
export async function handleOperatorRoute(
  cp: FakeControlPlane,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Record<string, unknown>,
  reply: Reply,
  error: ErrorReply,
): Promise<boolean> {
  const base = `/api/v1/projects/${PROJECT}`;
  if (!path.startsWith(`${base}/bundles`) && !path.startsWith(`${base}/rollouts`)) {
    return false;
  }
  if (headers.authorization !== `Bearer ${API_KEY}`) {
    error(401, "UNAUTHORIZED", "bad api key");
    return true;
  }
  const rollouts = cp.rollouts;
  if (method === "POST" && path === `${base}/bundles`) {
    const bundle = await cp.addBundle({ "zentinel.kdl": String(body.config) });
    rollouts.pending.add(bundle.bundleId);
    reply(202, { bundle_id: bundle.bundleId, status: "pending" });
    return true;
  }
  const bundleMatch = new RegExp(`^${base}/bundles/([0-9a-f]{64})$`).exec(path);
  if (method === "GET" && bundleMatch) {
    const id = bundleMatch[1] ?? "";
    const bundle = cp.bundles.get(id);
    if (bundle === undefined) {
      error(404, "NOT_FOUND", "no bundle");
      return true;
    }
    const status = rollouts.pending.delete(id) ? "compiling" : "compiled";
    reply(200, { bundle_id: id, status, sequence: bundle.sequence });
    return true;
  }
  if (method === "POST" && path === `${base}/rollouts`) {
    const selector = body.target_selector as { labels?: Record<string, string> } | undefined;
    const rollout = rollouts.create(
      String(body.bundle_id),
      selector?.labels ?? {},
      Number(body.batch_percentage ?? 100),
    );
    reply(201, { id: rollout.id, state: rollout.state, bundle_id: rollout.bundleId });
    return true;
  }
  const rolloutMatch = new RegExp(`^${base}/rollouts/([0-9a-f-]{36})$`).exec(path);
  if (method === "GET" && rolloutMatch) {
    const rollout = rollouts.all.get(rolloutMatch[1] ?? "");
    if (rollout === undefined) {
      error(404, "NOT_FOUND", "no rollout");
      return true;
    }
    rollouts.tick();
    reply(200, {
      id: rollout.id,
      state: rollout.state,
      current_step: rollout.step,
      progress: { steps: rollout.batches.length },
      error: rollout.error,
    });
    return true;
  }
  error(404, "NOT_FOUND", "no operator route");
  return true;
}
