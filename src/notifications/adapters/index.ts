import type { ChannelConfig } from "../channel-config";
import type { NotificationEvent } from "../message";
import { buildPagerDutyRequest } from "./pagerduty";
import { buildSlackRequest } from "./slack";
import { buildTeamsRequest } from "./teams";
import type { DeliveryContext, OutboundRequest } from "./types";
import { buildWebhookRequest } from "./webhook";

export type { DeliveryContext, OutboundRequest } from "./types";

/** The request that delivers `event` to a channel with this configuration. */
export function buildRequest(
  config: ChannelConfig,
  event: NotificationEvent,
  ctx: DeliveryContext,
): Promise<OutboundRequest> {
  switch (config.type) {
    case "webhook":
      return buildWebhookRequest(config, event, ctx);
    case "slack":
      return buildSlackRequest(config, event, ctx);
    case "teams":
      return buildTeamsRequest(config, event, ctx);
    case "pagerduty":
      return buildPagerDutyRequest(config, event, ctx);
  }
}
