import type { Env } from "../env";
import { createServices, type Services } from "../services";

/** One maintenance duty run by the every-minute cron; must be idempotent and bounded. */
export interface CronTask {
  name: string;
  run(services: Services, scheduledTime: number): Promise<Record<string, unknown> | undefined>;
}

const tasks: CronTask[] = [];

/** Adds a task to the cron (called at module load by each task's module). */
export function registerCronTask(task: CronTask): void {
  tasks.push(task);
}

/** The registered tasks, in registration order. */
export function cronTasks(): readonly CronTask[] {
  return tasks;
}

/**
 * The Worker's `scheduled` entry point. Runs every task; one task failing is logged and does
 * not stop the others (each duty is independent), but the run as a whole then throws so the
 * failure is visible in Cron Trigger metrics.
 */
export async function handleScheduled(
  controller: ScheduledController,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  const services = createServices(env, ctx, `cron_${crypto.randomUUID()}`);
  const failures: string[] = [];
  for (const task of tasks) {
    const startedAt = Date.now();
    try {
      const result = await task.run(services, controller.scheduledTime);
      services.logger.info("cron task done", {
        task: task.name,
        duration_ms: Date.now() - startedAt,
        ...result,
      });
    } catch (err) {
      failures.push(task.name);
      services.logger.error("cron task failed", { task: task.name, error: String(err) });
    }
  }
  if (failures.length > 0) {
    throw new Error(`cron tasks failed: ${failures.join(", ")}`);
  }
}
