import { env, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  type LiveMessage,
  LiveSockets,
  MAX_CHANGES_PER_BROADCAST,
  messagesFor,
} from "../../durable-objects/live-sockets";
import { ROLE_SCOPES, SCOPES } from "../../src/auth/scopes";
import { LIVE_TICKET_TTL_MS } from "../../src/rpc/project-hub";
import { createAuditService } from "../../src/services/audit";
import { call, createApiKey, createTenant, expectEnvelope, type Tenant } from "./harness";
import { asUser, signedInUser } from "./sessions";

const ORIGIN = "http://zcp.test";
const MESSAGE_TIMEOUT_MS = 5_000;

/** An open live socket that collects its messages. */
interface LiveClient {
  ws: WebSocket;
  messages: LiveMessage[];
  /** Resolves with the first collected message matching `pred` (waits for it if needed). */
  next(pred: (m: LiveMessage) => boolean): Promise<LiveMessage>;
}

/** Sends the upgrade through the real Worker and accepts the client end. */
async function upgrade(
  path: string,
  headers: Record<string, string> = {},
): Promise<Response & { webSocket: WebSocket | null }> {
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, { headers: { upgrade: "websocket", ...headers } }),
  );
}

async function open(path: string, headers: Record<string, string> = {}): Promise<LiveClient> {
  const res = await upgrade(path, headers);
  if (res.status !== 101 || !res.webSocket) {
    throw new Error(`expected 101, got ${res.status} ${await res.text()}`);
  }
  const ws = res.webSocket;
  const messages: LiveMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.addEventListener("message", (ev) => {
    messages.push(JSON.parse(String(ev.data)) as LiveMessage);
    for (const w of waiters.splice(0)) {
      w();
    }
  });
  ws.accept();
  const next = async (pred: (m: LiveMessage) => boolean) => {
    const deadline = Date.now() + MESSAGE_TIMEOUT_MS;
    for (;;) {
      const found = messages.find(pred);
      if (found) {
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { ws, messages, next };
}

async function ticketFor(t: Tenant, key = t.adminKey): Promise<string> {
  const res = await call("POST", `/api/v1/projects/${t.slug}/live-ticket`, { key });
  expect(res.status, res.text).toBe(201);
  return res.body.ticket as string;
}

/** Appends an audit entry (and the matching event) the way every mutation does. */
function recordChange(t: Tenant, resourceType: string, resourceId: string, action: string) {
  return createAuditService(env, () => Date.now()).record(
    {
      orgId: t.orgId,
      projectId: t.projectId,
      actor: { type: "system", id: "test" },
      action,
      resourceType,
      resourceId,
    },
    [{ projectId: t.projectId, type: action, resourceType, resourceId, payload: {} }],
  );
}

describe("live: happy path", () => {
  it("API key: ticket, upgrade, hello, then one message per change", async () => {
    const t = await createTenant();
    const res = await call("POST", `/api/v1/projects/${t.slug}/live-ticket`, { key: t.adminKey });
    expect(res.status, res.text).toBe(201);
    expect(res.body.ticket).toMatch(/^zlt_[A-Za-z0-9_-]{43}$/);
    const ttl = Date.parse(res.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(LIVE_TICKET_TTL_MS);
    // The caller's scopes in the project, so a dashboard can hide what it may not do.
    expect(res.body.scopes).toEqual([...SCOPES].sort());

    const client = await open(`/api/v1/projects/${t.slug}/live?ticket=${res.body.ticket}`);
    const hello = await client.next((m) => m.type === "hello");
    expect(hello).toMatchObject({ resource_type: null, resource_id: null });
    expect(Number.isNaN(Date.parse(hello.at))).toBe(false);

    const bundleId = "a".repeat(64);
    await recordChange(t, "bundle", bundleId, "bundle.created");
    const change = await client.next((m) => m.type === "bundle.created");
    expect(change).toMatchObject({ resource_type: "bundle", resource_id: bundleId });
    // The audit entry and its event describe one change: one message, not two.
    await recordChange(t, "node", crypto.randomUUID(), "node.relabelled");
    await client.next((m) => m.type === "node.relabelled");
    expect(client.messages.filter((m) => m.type === "bundle.created")).toHaveLength(1);
    client.ws.close(1000, "done");
  });

  it("session cookie: same-origin upgrade without a ticket", async () => {
    const t = await createTenant();
    const { session } = await signedInUser(t.orgId, "reader");
    const client = await open(`/api/v1/projects/${t.slug}/live`, {
      cookie: session.cookie,
      origin: ORIGIN,
    });
    await client.next((m) => m.type === "hello");
    await recordChange(t, "rollout", crypto.randomUUID(), "rollout.paused");
    expect((await client.next((m) => m.type === "rollout.paused")).resource_type).toBe("rollout");
    client.ws.close(1000, "done");
  });

  it("a socket only sees resource types it can read", async () => {
    const t = await createTenant();
    const key = await createApiKey({ orgId: t.orgId, scopes: ["projects:read", "nodes:read"] });
    const client = await open(`/api/v1/projects/${t.slug}/live?ticket=${await ticketFor(t, key)}`);
    await client.next((m) => m.type === "hello");
    await recordChange(t, "bundle", "b".repeat(64), "bundle.created");
    await recordChange(t, "api_key", crypto.randomUUID(), "api_key.created");
    await recordChange(t, "node", crypto.randomUUID(), "node.revoked");
    await client.next((m) => m.type === "node.revoked");
    expect(client.messages.map((m) => m.type)).toEqual(["hello", "node.revoked"]);
    client.ws.close(1000, "done");
  });

  it("collapses a burst of changes into one resync", () => {
    const changes = Array.from({ length: MAX_CHANGES_PER_BROADCAST + 1 }, (_, i) => ({
      type: "node.registered",
      resourceType: "node",
      resourceId: `n${i}`,
      createdAt: 1_700_000_000_000 + i,
    }));
    expect(messagesFor(changes)).toEqual([
      {
        type: "resync",
        resource_type: null,
        resource_id: null,
        at: new Date(1_700_000_000_000 + MAX_CHANGES_PER_BROADCAST).toISOString(),
      },
    ]);
    expect(messagesFor(changes.slice(0, MAX_CHANGES_PER_BROADCAST))).toHaveLength(
      MAX_CHANGES_PER_BROADCAST,
    );
  });
});

describe("live: errors", () => {
  it("answers a request without Upgrade: websocket with 400", async () => {
    const t = await createTenant();
    const err = expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/live`, { key: t.adminKey }),
      400,
      "BAD_REQUEST",
    );
    expect(err.details?.[0]?.path).toBe("Upgrade");
  });

  it("rejects an upgrade without credentials or ticket, and a bogus ticket, with 401", async () => {
    const t = await createTenant();
    for (const qs of ["", "?ticket=zlt_nope", "?ticket=not-a-ticket"]) {
      const res = await upgrade(`/api/v1/projects/${t.slug}/live${qs}`);
      expect(res.status).toBe(401);
      expect(res.webSocket).toBeNull();
    }
  });

  it("answers a plain GET without credentials with 401, before looking at Upgrade", async () => {
    const t = await createTenant();
    for (const slug of [t.slug, "no-such-project"]) {
      expectEnvelope(await call("GET", `/api/v1/projects/${slug}/live`), 401, "UNAUTHORIZED");
    }
    // A bad key is 401 too (operator auth), not 400 for the missing upgrade.
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/live`, { key: "zcp_bogus" }),
      401,
      "UNAUTHORIZED",
    );
  });

  it("does not burn a ticket on a request that is not an upgrade", async () => {
    const t = await createTenant();
    const ticket = await ticketFor(t);
    expectEnvelope(
      await call("GET", `/api/v1/projects/${t.slug}/live?ticket=${ticket}`),
      400,
      "BAD_REQUEST",
    );
    const client = await open(`/api/v1/projects/${t.slug}/live?ticket=${ticket}`);
    await client.next((m) => m.type === "hello");
    client.ws.close();
  });

  it("answers an unknown project like a bad ticket (nothing revealed without credentials)", async () => {
    const res = await upgrade("/api/v1/projects/no-such-project/live?ticket=zlt_x");
    expect(res.status).toBe(401);
  });

  it("expires tickets after the TTL", async () => {
    const t = await createTenant();
    const hub = env.PROJECT_HUB.get(env.PROJECT_HUB.idFromName(t.projectId));
    await runInDurableObject(hub, async (_instance, state) => {
      const live = new LiveSockets(state);
      const grant = { scopes: ["projects:read"], actor: "api_key:x" };
      const now = 1_000_000;
      const late = await live.issueTicket(grant, now);
      expect(await live.redeemTicket(late.ticket, now + LIVE_TICKET_TTL_MS)).toBeNull();
      const fresh = await live.issueTicket(grant, now);
      expect(await live.redeemTicket(fresh.ticket, now + LIVE_TICKET_TTL_MS - 1)).toEqual(grant);
    });
  });

  it("requires credentials and projects:read for a ticket", async () => {
    const t = await createTenant();
    expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/live-ticket`),
      401,
      "UNAUTHORIZED",
    );
    const noScopes = await createApiKey({ orgId: t.orgId, scopes: ["nodes:read"] });
    expectEnvelope(
      await call("POST", `/api/v1/projects/${t.slug}/live-ticket`, { key: noScopes }),
      403,
      "FORBIDDEN",
    );
  });
});

describe("live: security", () => {
  it("a ticket works once", async () => {
    const t = await createTenant();
    const ticket = await ticketFor(t);
    const first = await open(`/api/v1/projects/${t.slug}/live?ticket=${ticket}`);
    first.ws.close(1000, "done");
    expect((await upgrade(`/api/v1/projects/${t.slug}/live?ticket=${ticket}`)).status).toBe(401);
  });

  it("a ticket of one project does not open another", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const ticket = await ticketFor(a);
    expect((await upgrade(`/api/v1/projects/${b.slug}/live?ticket=${ticket}`)).status).toBe(401);
    // Not burnt by the failed attempt elsewhere: it still opens its own project.
    const ok = await open(`/api/v1/projects/${a.slug}/live?ticket=${ticket}`);
    ok.ws.close(1000, "done");
  });

  it("refuses cookie-authenticated upgrades from another origin (403)", async () => {
    const t = await createTenant();
    const { session } = await signedInUser(t.orgId, "admin");
    const res = await upgrade(`/api/v1/projects/${t.slug}/live`, {
      cookie: session.cookie,
      origin: "https://evil.example",
    });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
  });

  it("another tenant's project is 404, for tickets and sockets", async () => {
    const a = await createTenant();
    const b = await createTenant();
    expectEnvelope(
      await call("POST", `/api/v1/projects/${b.slug}/live-ticket`, { key: a.adminKey }),
      404,
      "NOT_FOUND",
    );
    const res = await upgrade(`/api/v1/projects/${b.slug}/live`, {
      authorization: `Bearer ${a.adminKey}`,
    });
    expect(res.status).toBe(404);
  });

  it("a cookie session needs the CSRF token to mint a ticket", async () => {
    const t = await createTenant();
    const { session } = await signedInUser(t.orgId, "reader");
    const path = `/api/v1/projects/${t.slug}/live-ticket`;
    expectEnvelope(await call("POST", path, asUser(session, { csrf: false })), 403, "FORBIDDEN");
    const ok = await call("POST", path, asUser(session));
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.scopes).toEqual([...ROLE_SCOPES.reader].sort());
  });

  it("never forwards a client-supplied grant header", async () => {
    const t = await createTenant();
    const res = await upgrade(`/api/v1/projects/${t.slug}/live`, {
      "x-zcp-live-grant": JSON.stringify({ scopes: ["audit:read"], actor: "forged" }),
    });
    expect(res.status).toBe(401);
  });
});
