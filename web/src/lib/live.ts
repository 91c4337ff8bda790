/**
 * The project's live channel: one WebSocket to GET /api/v1/projects/{project}/live (cookie, or a
 * one-time ticket for API-key sign-in), reconnecting with backoff. While it is down, views poll.
 * Messages only say what changed; views refetch.
 */
import { api, credentials, projectPath } from "./api";
import { createStore, type Store } from "./store";
import type { LiveTicket } from "./types";

/** A change notification from the server. */
export interface LiveMessage {
  type: string;
  resource_type: string | null;
  resource_id: string | null;
  at: string;
}

/** `live`: socket open; `polling`: socket down, views poll; `connecting`: first attempt. */
export type LiveStatus = "connecting" | "live" | "polling";

/** Views poll this often while the socket is down. */
export const POLL_INTERVAL_MS = 5_000;
/** Keepalive period; a missing answer within PONG_TIMEOUT_MS closes the socket. */
const PING_INTERVAL_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

/** Message types that mean "refetch everything shown". */
export const RESYNC_TYPES = new Set(["hello", "resync"]);

/** One project's live connection. */
export class LiveChannel {
  readonly status: Store<LiveStatus> = createStore<LiveStatus>("connecting");
  private readonly listeners = new Set<(m: LiveMessage) => void>();
  private ws: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;
  private timers: number[] = [];
  private pongTimer: number | undefined;

  constructor(
    private readonly slug: string,
    private readonly firstTicket: string | null = null,
  ) {}

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.ws === null && !this.stopped) {
      void this.connect(this.firstTicket);
    }
  }

  /** Closes the socket for good (project switch, sign-out). */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.ws?.close(1000, "bye");
    this.ws = null;
  }

  /** Calls `fn` for every message; returns the unsubscribe function. */
  subscribe(fn: (m: LiveMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async url(ticket: string | null): Promise<string> {
    const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
    const base = `${proto}//${window.location.host}${projectPath(this.slug, "/live")}`;
    if (!credentials.apiKey) {
      return base;
    }
    const t =
      ticket ??
      (await api<LiveTicket>(projectPath(this.slug, "/live-ticket"), { method: "POST" })).ticket;
    return `${base}?ticket=${encodeURIComponent(t)}`;
  }

  private async connect(ticket: string | null): Promise<void> {
    let ws: WebSocket;
    try {
      ws = new WebSocket(await this.url(ticket));
    } catch {
      this.onDown();
      return;
    }
    if (this.stopped) {
      ws.close(1000, "bye");
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => this.onMessage(ev);
    ws.onclose = () => {
      if (this.ws === ws) {
        this.ws = null;
        this.onDown();
      }
    };
  }

  private onMessage(ev: MessageEvent): void {
    if (ev.data === "pong") {
      window.clearTimeout(this.pongTimer);
      return;
    }
    let msg: LiveMessage;
    try {
      msg = JSON.parse(String(ev.data)) as LiveMessage;
    } catch {
      return;
    }
    if (msg.type === "hello") {
      this.attempt = 0;
      this.status.set("live");
      this.startPings();
    }
    for (const fn of [...this.listeners]) {
      fn(msg);
    }
  }

  private startPings(): void {
    this.clearTimers();
    this.timers.push(
      window.setInterval(() => {
        if (this.ws?.readyState !== WebSocket.OPEN) {
          return;
        }
        this.ws.send("ping");
        window.clearTimeout(this.pongTimer);
        this.pongTimer = window.setTimeout(() => this.ws?.close(4000, "no pong"), PONG_TIMEOUT_MS);
      }, PING_INTERVAL_MS),
    );
  }

  private onDown(): void {
    this.clearTimers();
    if (this.stopped) {
      return;
    }
    this.status.set("polling");
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.attempt);
    this.attempt++;
    // Jitter so a fleet of dashboards does not reconnect in lockstep after a deploy.
    const jittered = delay * (0.75 + Math.random() * 0.5);
    this.timers.push(window.setTimeout(() => void this.connect(null), jittered));
  }

  private clearTimers(): void {
    for (const t of this.timers) {
      window.clearTimeout(t);
      window.clearInterval(t);
    }
    this.timers = [];
    window.clearTimeout(this.pongTimer);
  }
}
