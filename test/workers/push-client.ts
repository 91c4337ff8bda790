/**
 * A node's push socket in the workers tests: upgrades through the real Worker
 * (`GET /api/v1/nodes/{id}/socket`), collects the JSON messages and the close event.
 */
import { exports } from "cloudflare:workers";

const ORIGIN = "http://zcp.test";
/** Real-time wait for a message or close (the fake clock only fakes `Date`). */
const WAIT_MS = 5_000;

/** A pushed or control message (loosely typed like every test response). */
export type PushMessage = { type: string } & Record<string, any>;

/** An open push socket that records what arrives. */
export interface PushClient {
  ws: WebSocket;
  messages: PushMessage[];
  /** The close the server sent, once it did. */
  closed: { code: number; reason: string } | null;
  /** The first message matching `pred` (waits up to 5 s). */
  next(pred: (m: PushMessage) => boolean): Promise<PushMessage>;
  /** The close event (waits up to 5 s). */
  close(): Promise<{ code: number; reason: string }>;
  /** The offers received so far. */
  offers(): Array<Record<string, any>>;
}

async function until<T>(
  probe: () => T | null | undefined,
  what: string,
  waiters: Array<() => void>,
) {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    const found = probe();
    if (found !== null && found !== undefined) {
      return found;
    }
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 50);
    });
  }
}

/** Opens `GET /api/v1/nodes/{nodeId}/socket` with `headers` (the node's credential). */
export async function openPush(
  nodeId: string,
  headers: Record<string, string>,
  path = `/api/v1/nodes/${nodeId}/socket`,
): Promise<PushClient> {
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}${path}`, { headers: { upgrade: "websocket", ...headers } }),
  );
  if (res.status !== 101 || !res.webSocket) {
    throw new Error(`expected 101, got ${res.status} ${await res.text()}`);
  }
  const ws = res.webSocket;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) {
      w();
    }
  };
  const client: PushClient = {
    ws,
    messages: [],
    closed: null,
    next: (pred) => until(() => client.messages.find(pred), "a matching push message", waiters),
    close: () => until(() => client.closed, "the socket to close", waiters),
    offers: () =>
      client.messages.filter((m) => m.type === "offer").map((m) => m.offer as Record<string, any>),
  };
  ws.addEventListener("message", (ev) => {
    client.messages.push(JSON.parse(String(ev.data)) as PushMessage);
    wake();
  });
  ws.addEventListener("close", (ev) => {
    client.closed = { code: ev.code, reason: ev.reason };
    wake();
  });
  ws.accept();
  return client;
}
