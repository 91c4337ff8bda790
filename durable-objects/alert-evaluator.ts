import { DurableObject } from "cloudflare:workers";
import type { Env } from "../src/env";
import type { AlertEvaluatorRpc, AlertPassSummary } from "../src/rpc/alert-evaluator";
import { createServices } from "../src/services";
import { ALERT_EVAL_INTERVAL_MS, evaluateProjectAlerts } from "../src/services/alert-evaluation";
import { retriesExhausted } from "./rollout/alarm";

/** Storage key of the project this instance evaluates. */
const PROJECT_KEY = "project";

/**
 * One instance per project (`idFromName(project id)`): evaluates the project's alert rules on
 * its alarm every {@link ALERT_EVAL_INTERVAL_MS} (the cron's one-minute granularity cannot give
 * 30 s) and serialises those evaluations, so a transition is decided once. All alert state
 * lives in D1 (`alert_rules`); this object stores only its project id.
 *
 * The alarm re-arms itself while the project has enabled rules and stops when it has none; the
 * next rule created or enabled re-arms it. A failing pass throws so the platform retries it
 * (with backoff); after the retries it logs and re-arms at the normal period, so a persistent
 * fault neither retries forever nor stops evaluation for good.
 */
export class AlertEvaluatorDO extends DurableObject<Env> implements AlertEvaluatorRpc {
  private queue: Promise<unknown> = Promise.resolve();

  /** See {@link AlertEvaluatorRpc.ensureAlarm}. */
  ensureAlarm(projectId: string): Promise<void> {
    return this.serial(async () => {
      await this.ctx.storage.put(PROJECT_KEY, projectId);
      if ((await this.ctx.storage.getAlarm()) === null) {
        await this.ctx.storage.setAlarm(Date.now());
      }
    });
  }

  /** Runs one pass now (tests, and operators' "evaluate now" in the future); arms nothing. */
  evaluateNow(projectId: string): Promise<AlertPassSummary> {
    return this.serial(async () => {
      await this.ctx.storage.put(PROJECT_KEY, projectId);
      return this.pass(projectId);
    });
  }

  override async alarm(info?: AlarmInvocationInfo): Promise<void> {
    await this.serial(async () => {
      const projectId = await this.ctx.storage.get<string>(PROJECT_KEY);
      if (!projectId) {
        return;
      }
      try {
        const summary = await this.pass(projectId);
        if (summary.evaluated > 0) {
          await this.ctx.storage.setAlarm(Date.now() + ALERT_EVAL_INTERVAL_MS);
        }
      } catch (err) {
        if (!retriesExhausted(info)) {
          throw err;
        }
        const services = createServices(this.env, this.ctx, `alerts_${crypto.randomUUID()}`);
        services.logger.error("alert evaluation failed after retries", {
          project_id: projectId,
          retries: info?.retryCount ?? 0,
          error: String(err),
        });
        await this.ctx.storage.setAlarm(Date.now() + ALERT_EVAL_INTERVAL_MS);
      }
    });
  }

  private pass(projectId: string): Promise<AlertPassSummary> {
    const services = createServices(this.env, this.ctx, `alerts_${crypto.randomUUID()}`);
    return evaluateProjectAlerts(services, projectId, Date.now());
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
