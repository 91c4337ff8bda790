import { hmacSha256Hex } from "../../auth/crypto";
import type { ChannelConfig } from "../channel-config";
import { type Adapter, BASE_HEADERS } from "./types";

/** Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = "X-Zentinel-Signature";
/** The same unix timestamp, on its own, for receivers that check freshness first. */
export const TIMESTAMP_HEADER = "X-Zentinel-Timestamp";

/**
 * The signature header value for `body` sent at `timestampS`. Receivers recompute the HMAC over
 * `"<t>.<raw body>"` with the shared secret, compare in constant time, and reject stale `t`.
 */
export async function webhookSignature(
  secret: string,
  timestampS: number,
  body: string,
): Promise<string> {
  return `t=${timestampS},v1=${await hmacSha256Hex(secret, `${timestampS}.${body}`)}`;
}

/** Generic signed JSON webhook: the event as the API shows it, plus the delivery id. */
export const buildWebhookRequest: Adapter<Extract<ChannelConfig, { type: "webhook" }>> = async (
  config,
  event,
  ctx,
) => {
  const body = JSON.stringify({
    id: event.id,
    type: event.type,
    severity: event.severity,
    created_at: new Date(event.createdAt).toISOString(),
    project: { id: event.projectId, slug: event.projectSlug, name: event.projectName },
    resource:
      event.resourceType === null ? null : { type: event.resourceType, id: event.resourceId },
    payload: event.payload,
    delivery_id: ctx.deliveryId,
  });
  const timestampS = Math.floor(ctx.now / 1000);
  return {
    url: config.url,
    headers: {
      ...BASE_HEADERS,
      "x-zentinel-event": event.type,
      "x-zentinel-delivery": ctx.deliveryId,
      [TIMESTAMP_HEADER.toLowerCase()]: String(timestampS),
      [SIGNATURE_HEADER.toLowerCase()]: await webhookSignature(config.secret, timestampS, body),
    },
    body,
  };
};
