/**
 * The agent's push channel (`GET /api/v1/nodes/{id}/socket`, WebSocket): the control plane
 * pushes the node's offer the moment a rollout batch opens, a rollback starts or an operator
 * assigns, so the node does not wait for its next poll. Shared by zentinel-agent and the fleet
 * simulator.
 *
 * Invariants:
 * - Polling stays the source of truth. The channel only speeds things up: while it is healthy
 *   the agent polls at the longer interval the server's hello names, and the moment it is not,
 *   the normal interval applies again.
 * - The credential travels in a header of the upgrade (node JWT or key), never in the URL.
 * - Reconnects use jittered exponential backoff, reset once a socket said hello. After close
 *   4410 (revoked) or 4403 (another node's credential) the channel stops: polling reports the
 *   same error and the agent exits on it. After 4401 the JWT is dropped and the next attempt
 *   authenticates afresh.
 */
import { PUSH_CLOSE, PUSH_PING, PUSH_PONG } from "../../src/domain/push-protocol";
import { failureDelayMs, type Random, sleep } from "./backoff";
import type { Logger } from "./log";
import { type BundleOffer, offerSchema } from "./wire";

/** First reconnect delay ceiling; doubles per failure up to {@link PushChannelOptions.capMs}. */
export const PUSH_RECONNECT_BASE_MS = 1_000;
/** Longest reconnect delay. */
export const PUSH_RECONNECT_CAP_MS = 60_000;
/** Keepalive: a ping this often; no pong for two intervals means the socket is dead. */
export const PUSH_PING_INTERVAL_MS = 30_000;

/** The WebSocket constructor (Node 22's global; injectable for tests). */
export type WebSocketFactory = (url: string, headers: Record<string, string>) => WebSocket;

/** Node 22's WebSocket accepts upgrade headers as a (non-standard) second argument. */
const defaultFactory: WebSocketFactory = (url, headers) =>
  new (
    WebSocket as unknown as new (
      u: string,
      o: { headers: Record<string, string> },
    ) => WebSocket
  )(url, { headers });

/** Options of {@link PushChannel}. */
export interface PushChannelOptions {
  /** Where to connect and with which credential headers (asked before every attempt). */
  readonly target: (
    signal?: AbortSignal,
  ) => Promise<{ url: string; headers: Record<string, string> }>;
  /** A pushed offer (already schema-checked); the agent applies it like a polled one. */
  readonly onOffer: (offer: BundleOffer) => void;
  /** The socket opened and said hello (a good moment to poll once: nothing was missed). */
  readonly onConnected?: () => void;
  /** The control plane refused the credential (4401): drop the JWT before the next attempt. */
  readonly onUnauthorized?: () => void;
  readonly log: Logger;
  readonly random?: Random;
  readonly baseMs?: number;
  readonly capMs?: number;
  readonly pingIntervalMs?: number;
  readonly connect?: WebSocketFactory;
  readonly now?: () => number;
}

/** Counters for logs, the simulator and tests. */
export interface PushStats {
  connects: number;
  offers: number;
  disconnects: number;
  lastCloseCode: number | null;
}

/** Close codes after which reconnecting cannot help. */
const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  PUSH_CLOSE.revoked,
  PUSH_CLOSE.forbidden,
]);

/** One node's push channel. Run it with {@link PushChannel.run}. */
export class PushChannel {
  readonly stats: PushStats = { connects: 0, offers: 0, disconnects: 0, lastCloseCode: null };
  private socket: WebSocket | null = null;
  private helloPollIntervalS: number | null = null;
  private lastPongAt = 0;
  private readonly random: Random;
  private readonly now: () => number;

  constructor(private readonly options: PushChannelOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** True while a socket is open and said hello. */
  get healthy(): boolean {
    return this.socket !== null && this.helloPollIntervalS !== null;
  }

  /** The poll interval the server asked for while the socket is healthy, else null. */
  get pollIntervalS(): number | null {
    return this.healthy ? this.helloPollIntervalS : null;
  }

  /** Drops the current socket (the simulator's "dropped connection"); `run` reconnects. */
  drop(): void {
    this.socket?.close(1000, "dropped");
  }

  /** Connects and reconnects until `signal` aborts or a terminal close code arrives. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const outcome = await this.connectOnce(signal).catch((error: unknown) => ({
        hello: false,
        code: null as number | null,
        error,
      }));
      if (signal.aborted) {
        return;
      }
      if (outcome.code !== null && TERMINAL_CLOSE_CODES.has(outcome.code)) {
        this.options.log.error("push channel refused; polling only", { close_code: outcome.code });
        return;
      }
      if (outcome.code === PUSH_CLOSE.unauthorized) {
        this.options.onUnauthorized?.();
      }
      failures = outcome.hello ? 0 : failures + 1;
      const delayMs = failureDelayMs(
        this.options.baseMs ?? PUSH_RECONNECT_BASE_MS,
        failures,
        this.options.capMs ?? PUSH_RECONNECT_CAP_MS,
        this.random,
      );
      this.options.log.debug("push channel closed; reconnecting", {
        close_code: outcome.code,
        next_attempt_ms: delayMs,
      });
      await sleep(delayMs, signal).catch(() => undefined);
    }
  }

  /** One socket's life: resolves when it closes, with its close code and whether it said hello. */
  private async connectOnce(signal: AbortSignal): Promise<{ hello: boolean; code: number | null }> {
    const { url, headers } = await this.options.target(signal);
    const ws = (this.options.connect ?? defaultFactory)(url, headers);
    let hello = false;
    return new Promise((resolve) => {
      let pinger: ReturnType<typeof setInterval> | null = null;
      const pingMs = this.options.pingIntervalMs ?? PUSH_PING_INTERVAL_MS;
      let settled = false;
      const finish = (code: number | null) => {
        if (settled) {
          return;
        }
        settled = true;
        if (pinger !== null) {
          clearInterval(pinger);
        }
        signal.removeEventListener("abort", onAbort);
        if (this.socket === ws) {
          this.socket = null;
          this.helloPollIntervalS = null;
        }
        this.stats.disconnects += hello ? 1 : 0;
        this.stats.lastCloseCode = code;
        resolve({ hello, code });
      };
      const onAbort = () => {
        // Resolve at once: a socket still connecting may take long to report its close.
        ws.close(1000, "agent stopping");
        finish(null);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      ws.addEventListener("open", () => {
        this.socket = ws;
        this.lastPongAt = this.now();
        pinger = setInterval(() => {
          if (this.now() - this.lastPongAt > 2 * pingMs) {
            ws.close(1000, "keepalive timed out");
            return;
          }
          ws.send(PUSH_PING);
        }, pingMs);
      });
      ws.addEventListener("message", (event) => {
        const text = typeof event.data === "string" ? event.data : "";
        if (text === PUSH_PONG) {
          this.lastPongAt = this.now();
          return;
        }
        this.onMessage(text, () => {
          hello = true;
        });
      });
      ws.addEventListener("close", (event) => finish(event.code));
      ws.addEventListener("error", () => {
        // A failed upgrade fires error then close; close resolves.
      });
    });
  }

  private onMessage(text: string, onHello: () => void): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.options.log.warn("push channel: message is not JSON; ignored");
      return;
    }
    if (typeof message !== "object" || message === null) {
      return;
    }
    const m = message as Record<string, unknown>;
    if (m.type === "hello" && typeof m.poll_interval_s === "number" && m.poll_interval_s > 0) {
      this.helloPollIntervalS = m.poll_interval_s;
      this.stats.connects += 1;
      onHello();
      this.options.onConnected?.();
    } else if (m.type === "offer") {
      const parsed = offerSchema.safeParse(m.offer);
      if (!parsed.success) {
        this.options.log.warn("push channel: malformed offer ignored", {
          error: parsed.error.message,
        });
        return;
      }
      this.stats.offers += 1;
      this.options.onOffer(parsed.data);
    } else if (m.type === "error") {
      this.options.log.warn("push channel refused", { error: m.error });
    }
  }
}
