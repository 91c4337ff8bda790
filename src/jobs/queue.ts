import type { Env } from "../env";
import { createServices } from "../services";

/** A queue handler for one queue name. */
export type QueueHandler = (
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
) => Promise<void>;

const handlers = new Map<string, QueueHandler>();

/**
 * Registers the consumer for a queue. Queue names differ per environment, so handlers are
 * matched by the name's role suffix (e.g. "-compile", "-compile-dlq").
 */
export function registerQueueHandler(suffix: string, handler: QueueHandler): void {
  handlers.set(suffix, handler);
}

/** The Worker's `queue` entry point: dispatches a batch to its consumer. */
export async function handleQueue(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  // Longest suffix first, so "-compile-dlq" wins over "-compile".
  const match = [...handlers.entries()]
    .sort((a, b) => b[0].length - a[0].length)
    .find(([suffix]) => batch.queue.endsWith(suffix));
  if (!match) {
    const { logger } = createServices(env, ctx, `queue_${crypto.randomUUID()}`);
    logger.error("no consumer for queue; retrying batch", { queue: batch.queue });
    batch.retryAll();
    return;
  }
  await match[1](batch, env, ctx);
}
