/**
 * The few operator API calls the simulator's scenario makes (api.md, "Operator API"): compile a
 * bundle, wait for it, start a rollout, watch it. Authenticated with an API key.
 */
import { z } from "zod";
import { sleep } from "../agent/backoff";
import type { HttpClient } from "../agent/http";
import { API_PREFIX } from "../agent/protocol";

/** Rollout states after which nothing changes any more. */
export const TERMINAL_ROLLOUT_STATES: ReadonlySet<string> = new Set([
  "completed",
  "failed",
  "cancelled",
  "rolled_back",
]);

const bundleCreatedSchema = z.object({
  bundle_id: z.string().regex(/^[0-9a-f]{64}$/),
  status: z.string(),
});
const bundleSchema = z.looseObject({
  status: z.string(),
  sequence: z.number().nullable().optional(),
  compiler_output: z.unknown().optional(),
});
const rolloutSchema = z.looseObject({
  id: z.string(),
  state: z.string(),
  progress: z.record(z.string(), z.unknown()).nullable().optional(),
  error: z.unknown().optional(),
  current_step: z.number().nullable().optional(),
});

/** A rollout as `GET …/rollouts/{id}` returns it (the fields the simulator reads). */
export type RolloutView = z.output<typeof rolloutSchema>;

/** Rollout create body (api.md); only what the simulator sets. */
export interface RolloutCreate {
  bundle_id: string;
  target_selector: { type: "labels"; labels: Record<string, string> };
  strategy: "rolling" | "all_at_once" | "canary" | "blue_green";
  batch_percentage?: number;
  max_unavailable?: number;
  progress_deadline_seconds?: number;
  bake_seconds?: number;
  auto_rollback?: boolean;
}

/** Operator API client for one project. */
export class OperatorClient {
  constructor(
    private readonly http: HttpClient,
    private readonly apiKey: string,
    private readonly project: string,
  ) {}

  private get base(): string {
    return `${API_PREFIX}/projects/${encodeURIComponent(this.project)}`;
  }

  private get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  /** `POST …/bundles {config}`: 202 for new content, 200 for content already compiled. */
  async createBundle(
    config: string,
    version: string,
  ): Promise<{ bundleId: string; status: string }> {
    const res = await this.http.requestJson(
      {
        method: "POST",
        route: "POST /projects/:project/bundles",
        path: `${this.base}/bundles`,
        headers: this.auth,
        // Safe to retry: bundles are content-addressed, a repeat returns the same bundle.
        json: { config, version, source: { type: "api" } },
      },
      bundleCreatedSchema,
    );
    if (res.data === null) {
      throw new Error("bundle create returned no body");
    }
    return { bundleId: res.data.bundle_id, status: res.data.status };
  }

  /** `GET …/bundles/{id}`. */
  async getBundle(bundleId: string, signal?: AbortSignal): Promise<z.output<typeof bundleSchema>> {
    const res = await this.http.requestJson(
      {
        method: "GET",
        route: "GET /projects/:project/bundles/:id",
        path: `${this.base}/bundles/${bundleId}`,
        headers: this.auth,
        signal,
      },
      bundleSchema,
    );
    if (res.data === null) {
      throw new Error("bundle read returned no body");
    }
    return res.data;
  }

  /** Polls the bundle until `compiled`; throws on `failed`/`revoked` or after `timeoutMs`. */
  async waitCompiled(bundleId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const bundle = await this.getBundle(bundleId, signal);
      if (bundle.status === "compiled") {
        return;
      }
      if (bundle.status === "failed" || bundle.status === "revoked") {
        throw new Error(
          `bundle ${bundleId} is ${bundle.status}: ${JSON.stringify(bundle.compiler_output ?? null)}`,
        );
      }
      if (performance.now() > deadline) {
        throw new Error(
          `bundle ${bundleId} still ${bundle.status} after ${Math.round(timeoutMs / 1000)} s`,
        );
      }
      await sleep(500, signal);
    }
  }

  /** `POST …/rollouts` → 201. Never retried: a lost response must not start a second rollout. */
  async createRollout(body: RolloutCreate): Promise<RolloutView> {
    const res = await this.http.requestJson(
      {
        method: "POST",
        route: "POST /projects/:project/rollouts",
        path: `${this.base}/rollouts`,
        headers: this.auth,
        json: body,
        maxAttempts: 1,
      },
      rolloutSchema,
    );
    if (res.data === null) {
      throw new Error("rollout create returned no body");
    }
    return res.data;
  }

  /** `GET …/rollouts/{id}`. */
  async getRollout(id: string, signal?: AbortSignal): Promise<RolloutView> {
    const res = await this.http.requestJson(
      {
        method: "GET",
        route: "GET /projects/:project/rollouts/:id",
        path: `${this.base}/rollouts/${id}`,
        headers: this.auth,
        signal,
      },
      rolloutSchema,
    );
    if (res.data === null) {
      throw new Error("rollout read returned no body");
    }
    return res.data;
  }
}
