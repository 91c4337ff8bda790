/**
 * What the agent sends after each heartbeat: queued node events and, after the live config
 * changed, the config text it runs. Both survive a failed send and go out with the next
 * heartbeat; the event queue is bounded, dropping the oldest events first. Telemetry reports
 * follow (telemetry-outbox.ts).
 */
import type { ConfigStore } from "./config-store";
import { describe } from "./http";
import type { Logger } from "./log";
import type { NodeClient, NodeEvent } from "./protocol";
import type { TelemetryOutbox } from "./telemetry-outbox";

const EVENT_QUEUE_MAX = 200;
const SHUTDOWN_SEND_TIMEOUT_MS = 3_000;

/** The event queue and the pending config report of one agent. */
export class SideReports {
  private readonly events: NodeEvent[] = [];
  /** True at start: the control plane learns what runs after every agent restart. */
  private configReportPending = true;

  constructor(
    private readonly client: NodeClient,
    private readonly configs: ConfigStore,
    private readonly log: Logger,
    /** Telemetry reports, sent after events and the config report. */
    readonly telemetry: TelemetryOutbox,
  ) {}

  /** Queues an event for the next flush. */
  queue(event: NodeEvent): void {
    this.events.push(event);
    if (this.events.length > EVENT_QUEUE_MAX) {
      this.events.splice(0, this.events.length - EVENT_QUEUE_MAX);
    }
  }

  /** The live config changed: report it with the next flush. */
  configChanged(): void {
    this.configReportPending = true;
  }

  /** Sends queued events and a pending config report; failures are kept for the next flush. */
  async flush(signal?: AbortSignal): Promise<void> {
    if (this.events.length > 0) {
      const batch = this.events.splice(0, this.events.length);
      try {
        await this.client.events(batch, signal);
      } catch (error) {
        this.events.unshift(...batch.slice(0, EVENT_QUEUE_MAX - this.events.length));
        this.log.warn("sending events failed", {
          error: describe(error),
          queued: this.events.length,
        });
      }
    }
    if (this.configReportPending) {
      try {
        const text = await this.configs.readLiveEntry();
        if (text !== null) {
          await this.client.reportConfig(text, signal);
        }
        this.configReportPending = false;
      } catch (error) {
        this.log.warn("config report failed", { error: describe(error) });
      }
    }
    await this.telemetry.flush(signal);
  }

  /** Best-effort: queues `event` and sends whatever is queued, with a short timeout. */
  async sendFinal(event: NodeEvent): Promise<void> {
    this.queue(event);
    try {
      await this.client.events(
        this.events.splice(0, this.events.length),
        AbortSignal.timeout(SHUTDOWN_SEND_TIMEOUT_MS),
      );
    } catch (error) {
      this.log.debug("shutdown event not sent", { error: describe(error) });
    }
  }
}
