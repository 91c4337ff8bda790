import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  backoffDelayMs,
  failureDelayMs,
  jitterMs,
  parseRetryAfterMs,
} from "../../../scripts/agent/backoff";
import { HttpClient, RequestError, type RequestEvent } from "../../../scripts/agent/http";

/** Each request pops the next scripted answer for its path. */
const script = new Map<
  string,
  Array<{ status: number; headers?: Record<string, string>; body?: string; delayMs?: number }>
>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const next = script.get(req.url ?? "")?.shift() ?? { status: 200, body: '{"ok":true}' };
    setTimeout(() => {
      res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
      res.end(next.body ?? "");
    }, next.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(
  events: RequestEvent[],
  overrides: Partial<ConstructorParameters<typeof HttpClient>[0]> = {},
) {
  return new HttpClient({
    baseUrl: base,
    userAgent: "test",
    maxAttempts: 4,
    backoff: { baseMs: 5, capMs: 20 },
    timeoutMs: 500,
    onEvent: (e) => events.push(e),
    ...overrides,
  });
}

describe("HttpClient retry policy", () => {
  it("retries 5xx and 408 with backoff and succeeds", async () => {
    script.set("/flaky", [
      { status: 503 },
      { status: 500 },
      { status: 408 },
      { status: 200, body: '{"ok":true}' },
    ]);
    const events: RequestEvent[] = [];
    const res = await client(events).requestJson(
      { method: "GET", route: "flaky", path: "/flaky" },
      z.object({ ok: z.boolean() }),
    );
    expect(res.data).toEqual({ ok: true });
    expect(events.map((e) => [e.status, e.willRetry])).toEqual([
      [503, true],
      [500, true],
      [408, true],
      [200, false],
    ]);
  });

  it("never retries other 4xx and surfaces the error envelope", async () => {
    const envelope = {
      error: {
        code: "BAD_REQUEST",
        message: "bad",
        request_id: "r1",
        details: [{ path: "name", message: "too long" }],
      },
    };
    script.set("/bad", [{ status: 400, body: JSON.stringify(envelope) }]);
    const events: RequestEvent[] = [];
    const error = await client(events)
      .request({ method: "POST", route: "bad", path: "/bad", json: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({
      kind: "http",
      status: 400,
      code: "BAD_REQUEST",
      requestId: "r1",
      attempts: 1,
    });
    expect((error as RequestError).details).toEqual([{ path: "name", message: "too long" }]);
    expect(events).toHaveLength(1);
  });

  it("waits out Retry-After on 429", async () => {
    script.set("/limited", [
      { status: 429, headers: { "retry-after": "1" } },
      { status: 200, body: "{}" },
    ]);
    const started = Date.now();
    const events: RequestEvent[] = [];
    await client(events).request({ method: "GET", route: "limited", path: "/limited" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(events.map((e) => e.status)).toEqual([429, 200]);
  });

  it("gives up at once when Retry-After exceeds the longest wait it honours", async () => {
    script.set("/long", [{ status: 429, headers: { "retry-after": "3600" } }]);
    const events: RequestEvent[] = [];
    const error = await client(events, { maxRetryAfterMs: 1_000 })
      .request({ method: "GET", route: "long", path: "/long" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429, attempts: 1 });
  });

  it("retries network errors and timeouts, then fails with the last cause", async () => {
    const events: RequestEvent[] = [];
    const refused = await client(events, { baseUrl: "http://127.0.0.1:1" })
      .request({ method: "GET", route: "refused", path: "/" })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: "network", attempts: 4 });
    script.set("/slow", [
      { status: 200, delayMs: 300 },
      { status: 200, delayMs: 300 },
    ]);
    const slow = await client([], { timeoutMs: 50, maxAttempts: 2 })
      .request({ method: "GET", route: "slow", path: "/slow" })
      .catch((e: unknown) => e);
    expect(slow).toMatchObject({ kind: "timeout", attempts: 2 });
  });

  it("caps body size and rejects responses that do not match the schema", async () => {
    script.set("/big", [{ status: 200, body: "x".repeat(2_000) }]);
    await expect(
      client([]).request({ method: "GET", route: "big", path: "/big", maxBytes: 1_000 }),
    ).rejects.toMatchObject({
      kind: "too_large",
    });
    script.set("/shape", [{ status: 200, body: '{"ok":"yes"}' }]);
    await expect(
      client([]).requestJson(
        { method: "GET", route: "shape", path: "/shape" },
        z.object({ ok: z.boolean() }),
      ),
    ).rejects.toMatchObject({ kind: "protocol" });
  });

  it("runs attempts inside the limiter", async () => {
    let inside = 0;
    const limiter = {
      run: async <T>(task: () => Promise<T>) => {
        inside += 1;
        return task();
      },
    };
    await client([], { limiter }).request({ method: "GET", route: "x", path: "/limited-ok" });
    expect(inside).toBe(1);
  });
});

describe("backoff", () => {
  it("full jitter stays within [0, min(cap, base·2^n))", () => {
    for (let n = 0; n < 12; n++) {
      expect(backoffDelayMs({ baseMs: 100, capMs: 5_000 }, n, () => 0.999999)).toBeLessThan(
        Math.min(5_000, 100 * 2 ** n),
      );
      expect(backoffDelayMs({ baseMs: 100, capMs: 5_000 }, n, () => 0)).toBe(0);
    }
  });

  it("failure delays double per failure with equal jitter and a cap", () => {
    expect([0, 1, 2, 3, 10].map((n) => failureDelayMs(1_000, n, 6_000, () => 1))).toEqual([
      1_000, 2_000, 4_000, 6_000, 6_000,
    ]);
    expect([0, 1, 2, 3, 10].map((n) => failureDelayMs(1_000, n, 6_000, () => 0))).toEqual([
      500, 1_000, 2_000, 3_000, 3_000,
    ]);
  });

  it("interval jitter spreads ±fraction", () => {
    expect(jitterMs(1_000, 0.1, () => 0)).toBe(900);
    expect(jitterMs(1_000, 0.1, () => 1)).toBe(1_100);
  });

  it("parses Retry-After seconds and dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs("7", now)).toBe(7_000);
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfterMs("soon", now)).toBeNull();
    expect(parseRetryAfterMs(null, now)).toBeNull();
  });
});
