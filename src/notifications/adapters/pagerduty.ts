import { type ChannelConfig, PAGERDUTY_EVENTS_URL } from "../channel-config";
import { incidentType, isResolvingEvent, type NotificationEvent, summaryLine } from "../message";
import { type Adapter, BASE_HEADERS } from "./types";

/** PagerDuty's limit on `payload.summary`. */
const SUMMARY_MAX_CHARS = 1024;

/**
 * Deduplication key `zentinel-<event type>-<project id>`. Resolving events use the type of the
 * event that opened the incident (see {@link incidentType}), so `drift.resolved` closes the
 * alert `drift.detected` opened.
 */
export function pagerDutyDedupKey(event: Pick<NotificationEvent, "type" | "projectId">): string {
  return `zentinel-${incidentType(event.type)}-${event.projectId}`;
}

/** PagerDuty Events API v2: `trigger`, or `resolve` for `*.completed` / `*.resolved`. */
export const buildPagerDutyRequest: Adapter<Extract<ChannelConfig, { type: "pagerduty" }>> = async (
  config,
  event,
) => {
  const dedupKey = pagerDutyDedupKey(event);
  const body = isResolvingEvent(event.type)
    ? { routing_key: config.routingKey, event_action: "resolve", dedup_key: dedupKey }
    : {
        routing_key: config.routingKey,
        event_action: "trigger",
        dedup_key: dedupKey,
        payload: {
          summary: summaryLine(event).slice(0, SUMMARY_MAX_CHARS),
          source: `zentinel-control-plane/${event.projectSlug}`,
          severity: event.severity,
          timestamp: new Date(event.createdAt).toISOString(),
          component: event.resourceType ?? undefined,
          group: event.projectSlug,
          class: event.type,
          custom_details: { ...event.payload, event_id: event.id, resource_id: event.resourceId },
        },
        client: "Zentinel Control Plane",
      };
  return {
    url: PAGERDUTY_EVENTS_URL[config.region],
    headers: { ...BASE_HEADERS },
    body: JSON.stringify(body),
  };
};
