import type { ChannelConfig } from "../channel-config";
import { eventFacts, type NotificationEvent, summaryLine } from "../message";
import { type Adapter, BASE_HEADERS } from "./types";

const ADAPTIVE_COLOR = { info: "Default", warning: "Warning", critical: "Attention" } as const;
const THEME_COLOR = { info: "0076D7", warning: "FFA500", critical: "D7000C" } as const;

function adaptiveCard(event: NotificationEvent) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            {
              type: "TextBlock",
              size: "Medium",
              weight: "Bolder",
              wrap: true,
              color: ADAPTIVE_COLOR[event.severity],
              text: summaryLine(event),
            },
            {
              type: "FactSet",
              facts: eventFacts(event).map((f) => ({ title: f.name, value: f.value })),
            },
          ],
        },
      },
    ],
  };
}

function messageCard(event: NotificationEvent) {
  return {
    "@type": "MessageCard",
    "@context": "https://schema.org/extensions",
    summary: summaryLine(event),
    themeColor: THEME_COLOR[event.severity],
    title: summaryLine(event),
    sections: [{ facts: eventFacts(event), markdown: false }],
  };
}

/**
 * Microsoft Teams webhook: an Adaptive Card message (Workflows "when a webhook request is
 * received") or the legacy connector MessageCard, as configured.
 */
export const buildTeamsRequest: Adapter<Extract<ChannelConfig, { type: "teams" }>> = async (
  config,
  event,
) => {
  const body = config.format === "adaptive_card" ? adaptiveCard(event) : messageCard(event);
  return { url: config.url, headers: { ...BASE_HEADERS }, body: JSON.stringify(body) };
};
