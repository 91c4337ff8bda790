import { z } from "@hono/zod-openapi";
import type {
  notificationChannels,
  notificationDeliveries,
  notificationRules,
} from "../../db/schema";
import {
  CHANNEL_TYPES,
  type ChannelConfig,
  redactConfig,
} from "../../notifications/channel-config";
import { iso, isoTime, projectParam, uuidParam } from "../schemas";

export type ChannelRow = typeof notificationChannels.$inferSelect;
export type RuleRow = typeof notificationRules.$inferSelect;
export type DeliveryRow = typeof notificationDeliveries.$inferSelect;

const EXAMPLE_CHANNEL_ID = "3d2b6a51-7c0e-4f4e-9b1a-2f6d8c9e0a41";

/** Path parameters `{project}` and `{channel_id}`. */
export const channelParams = projectParam.extend({ channel_id: uuidParam("channel_id") });
/** Path parameters `{project}` and `{rule_id}`. */
export const ruleParams = projectParam.extend({ rule_id: uuidParam("rule_id") });

export const channelSchema = z
  .object({
    id: z.string().uuid().openapi({ example: EXAMPLE_CHANNEL_ID }),
    name: z.string().openapi({ example: "ops-slack" }),
    type: z.enum(CHANNEL_TYPES).openapi({ example: "slack" }),
    enabled: z.boolean(),
    max_attempts: z.number().int().openapi({ example: 8 }),
    config: z.record(z.string(), z.string()).openapi({
      description: "The configuration without secrets: URL scheme and host only, key suffix",
      example: { url: "https://hooks.slack.com/…" },
    }),
    created_at: isoTime,
  })
  .openapi("NotificationChannel");

export type ChannelResponse = z.infer<typeof channelSchema>;

/** API shape of a channel (its decrypted config is only used for the redacted view). */
export function toChannel(row: ChannelRow, config: ChannelConfig): ChannelResponse {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    enabled: row.enabled,
    max_attempts: row.maxAttempts,
    config: redactConfig(config),
    created_at: iso(row.createdAt),
  };
}

export const ruleSchema = z
  .object({
    id: z.string().uuid(),
    channel_id: z.string().uuid().openapi({ example: EXAMPLE_CHANNEL_ID }),
    event_pattern: z.string().openapi({ example: "rollout.*" }),
    created_at: isoTime,
  })
  .openapi("NotificationRule");

/** API shape of a rule. */
export function toRule(row: RuleRow): z.infer<typeof ruleSchema> {
  return {
    id: row.id,
    channel_id: row.channelId,
    event_pattern: row.eventPattern,
    created_at: iso(row.createdAt),
  };
}

const attemptSchema = z
  .object({
    attempt: z.number().int().optional(),
    at: isoTime,
    status_code: z.number().int().optional(),
    error: z.string().optional(),
    response: z.string().optional().openapi({ description: "First 2 KiB of the response body" }),
    duration_ms: z.number().int().optional(),
    outcome: z.enum(["delivered", "retry", "dead_letter"]).optional(),
    reason: z.string().optional(),
  })
  .openapi("NotificationAttempt");

export const deliverySchema = z
  .object({
    id: z.string().uuid(),
    channel_id: z.string().uuid(),
    event_id: z.string().uuid(),
    event_type: z.string().nullable().openapi({
      example: "rollout.failed",
      description: "Null once the event itself was removed by retention",
    }),
    status: z.enum(["pending", "delivered", "retrying", "dead_letter"]),
    attempts: z.number().int(),
    log: z.array(attemptSchema),
    next_attempt_at: isoTime.nullable(),
    created_at: isoTime,
    updated_at: isoTime,
  })
  .openapi("NotificationDelivery");

/** API shape of a delivery with its attempt log. */
export function toDelivery(
  row: DeliveryRow,
  eventType: string | null,
): z.infer<typeof deliverySchema> {
  return {
    id: row.id,
    channel_id: row.channelId,
    event_id: row.eventId,
    event_type: eventType,
    status: row.status,
    attempts: row.attempts,
    log: row.log as z.infer<typeof attemptSchema>[],
    next_attempt_at: iso(row.nextAttemptAt),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}
