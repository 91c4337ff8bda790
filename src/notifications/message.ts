/**
 * What a notification says about one project event, independent of the channel. Pure.
 */

/** Event severities (as stored in `events.severity`). */
export type EventSeverity = "info" | "warning" | "critical";

/** One project event with the project facts every channel shows. */
export interface NotificationEvent {
  id: string;
  type: string;
  severity: EventSeverity;
  projectId: string;
  projectSlug: string;
  projectName: string;
  resourceType: string | null;
  resourceId: string | null;
  payload: Record<string, unknown>;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** A labelled value shown as a fact (Slack fields, Teams facts). */
export interface Fact {
  name: string;
  value: string;
}

/** Most facts a message shows; the full payload goes to webhooks and PagerDuty details. */
export const MAX_FACTS = 10;
/** Longest fact value shown. */
export const MAX_FACT_CHARS = 200;

/** The one-line summary: "<type> in <project>" plus the resource when there is one. */
export function summaryLine(event: NotificationEvent): string {
  const resource =
    event.resourceType && event.resourceId ? ` (${event.resourceType} ${event.resourceId})` : "";
  return `${event.type} in ${event.projectName}${resource}`;
}

function factValue(value: unknown): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > MAX_FACT_CHARS ? `${text.slice(0, MAX_FACT_CHARS - 1)}…` : text;
}

/**
 * Facts for chat channels: project, severity, time, then the payload's fields in their order
 * (nested values as compact JSON), at most {@link MAX_FACTS}.
 */
export function eventFacts(event: NotificationEvent): Fact[] {
  const facts: Fact[] = [
    { name: "Project", value: event.projectSlug },
    { name: "Severity", value: event.severity },
    { name: "Time", value: new Date(event.createdAt).toISOString() },
  ];
  for (const [name, raw] of Object.entries(event.payload)) {
    if (facts.length >= MAX_FACTS) {
      break;
    }
    const value = factValue(raw);
    if (value !== null) {
      facts.push({ name, value });
    }
  }
  return facts;
}

/** Whether the event closes an incident opened by an earlier one (`*.completed`, `*.resolved`). */
export function isResolvingEvent(type: string): boolean {
  return type.endsWith(".completed") || type.endsWith(".resolved");
}

/**
 * The event type whose incident `type` belongs to: a resolving event maps to the event that
 * opened it (`x.resolved` → `x.detected`, `x.completed` → `x.started`), so trigger and resolve
 * share one deduplication key; any other type is its own incident.
 */
export function incidentType(type: string): string {
  if (type.endsWith(".resolved")) {
    return `${type.slice(0, -".resolved".length)}.detected`;
  }
  if (type.endsWith(".completed")) {
    return `${type.slice(0, -".completed".length)}.started`;
  }
  return type;
}
