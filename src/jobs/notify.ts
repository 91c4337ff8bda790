/**
 * NOTIFY_QUEUE consumers. Each message names one `notification_deliveries` row; the consumer
 * runs its next attempt (src/notifications/deliver.ts) and either acknowledges the message
 * (delivered, dead-lettered, nothing to do) or re-queues it with the backoff delay. The delivery
 * row, not the message, is the source of truth for attempts, so redelivered or duplicated
 * messages are harmless.
 *
 * The queue's own dead-letter queue only receives messages whose processing kept throwing
 * (D1 unavailable, a crash); its consumer marks those deliveries `dead_letter` so nothing stays
 * `pending` forever.
 */
import type { Env, NotifyJob } from "../env";
import { retryDelaySeconds } from "../notifications/backoff";
import { type DeliveryDeps, processDelivery } from "../notifications/deliver";
import { createServices } from "../services";
import { type QueueHandler, registerQueueHandler } from "./queue";

function deliveryIdOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) {
    return null;
  }
  const id = (body as Partial<NotifyJob>).deliveryId;
  return typeof id === "string" && id.length > 0 ? id : null;
}

/** The `-notify` consumer with its network and randomness injected (tests pass fakes). */
export function createNotifyHandler(deps: DeliveryDeps): QueueHandler {
  return async (batch, env: Env, ctx) => {
    const services = createServices(env, ctx, `notify_${crypto.randomUUID()}`);
    await Promise.all(
      batch.messages.map(async (message) => {
        const deliveryId = deliveryIdOf(message.body);
        if (deliveryId === null) {
          services.logger.error("malformed notify message; dropped", { message_id: message.id });
          message.ack();
          return;
        }
        const log = services.logger.with({ delivery_id: deliveryId });
        try {
          const outcome = await processDelivery(services, deliveryId, deps);
          log.info("notification attempt", { ...outcome });
          if (outcome.kind === "retry") {
            message.retry({ delaySeconds: outcome.delaySeconds });
          } else {
            message.ack();
          }
        } catch (err) {
          // Infrastructure failure before the attempt was recorded: the queue retries it, and
          // after max_retries hands it to the dead-letter consumer below.
          log.error("notification attempt failed", { error: String(err) });
          message.retry({ delaySeconds: retryDelaySeconds(message.attempts, deps.random) });
        }
      }),
    );
  };
}

/** `-notify-dlq`: marks deliveries the queue gave up on as `dead_letter`, with a log entry. */
export const handleNotifyDeadLetters: QueueHandler = async (batch, env, ctx) => {
  const services = createServices(env, ctx, `notify-dlq_${crypto.randomUUID()}`);
  const now = services.clock.now();
  const ids = batch.messages.map((m) => deliveryIdOf(m.body));
  const statements = ids.flatMap((id, i) => {
    if (id === null) {
      return [];
    }
    const entry = {
      at: new Date(now).toISOString(),
      error: `the queue gave up after ${batch.messages[i]?.attempts ?? "?"} deliveries`,
      outcome: "dead_letter",
    };
    return [
      services.d1
        .prepare(
          `UPDATE notification_deliveries
           SET status = 'dead_letter', log = json_insert(log, '$[#]', json(?)),
               next_attempt_at = NULL, updated_at = ?
           WHERE id = ? AND status IN ('pending', 'retrying')`,
        )
        .bind(JSON.stringify(entry), now, id),
    ];
  });
  if (statements.length > 0) {
    await services.d1.batch(statements);
  }
  services.logger.warn("notification deliveries dead-lettered by the queue", {
    delivery_ids: ids.filter((id) => id !== null),
  });
  batch.ackAll();
};

const networkDeps: DeliveryDeps = {
  // Looked up at call time, so the runtime's fetch (or a test's spy on it) is what is used.
  fetch: (request) => fetch(request),
  random: Math.random,
};

registerQueueHandler("-notify", createNotifyHandler(networkDeps));
registerQueueHandler("-notify-dlq", handleNotifyDeadLetters);
