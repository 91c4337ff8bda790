import type { App } from "../hono";
import { registerCreateChannel } from "./channel-create";
import { registerDeleteChannel } from "./channel-delete";
import { registerGetChannel } from "./channel-get";
import { registerListChannels } from "./channel-list";
import { registerListDeliveries } from "./delivery-list";
import { registerCreateRule } from "./rule-create";
import { registerDeleteRule } from "./rule-delete";
import { registerListRules } from "./rule-list";

/** Notification channels, routing rules and the delivery log. */
export function registerNotificationRoutes(app: App): void {
  registerCreateChannel(app);
  registerListChannels(app);
  registerGetChannel(app);
  registerDeleteChannel(app);
  registerCreateRule(app);
  registerListRules(app);
  registerDeleteRule(app);
  registerListDeliveries(app);
}
