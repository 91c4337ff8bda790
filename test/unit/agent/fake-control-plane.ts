/**
 * A fake control plane on node:http (127.0.0.1, port 0) implementing the node API of api.md
 * closely enough to drive the real agent and simulator: register, token, heartbeat, poll with
 * If-None-Match, download, reports, events, config; plus the operator routes the simulator uses
 * (bundles, rollouts: see fake-rollouts.ts). Bundles are real archives from buildBundleArchive,
 * signed with a generated key. Tests script desired bundles, tampered downloads and faults.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type BuiltBundle, buildBundleArchive } from "../../../src/bundles/archive";
import { type GeneratedSigningKey, generateSigningKey } from "../../../src/bundles/signing";
import { FakeRollouts, handleOperatorRoute } from "./fake-rollouts";

/** A bundle the fake can offer. `archive` is what download serves (may be tampered). */
export interface FakeBundle {
  readonly bundleId: string;
  /** The key id that signed the archive. */
  readonly kid: string;
  readonly sequence: number;
  readonly version: string;
  /** The offer's checksum (normally SHA-256 of `archive`). */
  checksum: string;
  archive: Uint8Array;
  revoked: boolean;
}

/** Server-side view of a node. */
export interface FakeNode {
  readonly id: string;
  readonly name: string;
  key: string;
  readonly labels: Record<string, string>;
  revoked: boolean;
  active: string | null;
  desired: { bundleId: string; rollback: boolean; rolloutId: string | null } | null;
  readonly assigned: Set<string>;
  readonly reports: Array<{ bundleId: string; kind: string; body: Record<string, unknown> }>;
  readonly heartbeats: Array<Record<string, unknown>>;
  readonly events: Array<Record<string, unknown>>;
  /** Telemetry reports counted, by interval_start (the server's idempotency key). */
  readonly telemetry: Map<string, Record<string, unknown>>;
  config: string | null;
}

/** One request as the fake saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  status: number;
}

/** A scripted failure: the next `times` matching requests get this answer. */
interface Fault {
  readonly match: (method: string, path: string) => boolean;
  readonly status: number;
  readonly headers: Record<string, string>;
  times: number;
}

export const PROJECT = "demo";
export const ENROLLMENT_TOKEN = "zet_fake_enrollment";
export const API_KEY = "zcp_fake_operator";
const PROJECT_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

/** Minimal config used for fake bundles. */
export const BASE_CONFIG = 'system {\n  worker-threads 2\n}\ninclude "routes/api.kdl"\n';

/** The fake server. */
export class FakeControlPlane {
  readonly nodes = new Map<string, FakeNode>();
  readonly bundles = new Map<string, FakeBundle>();
  readonly requests: SeenRequest[] = [];
  readonly tokens = new Map<string, { nodeId: string }>();
  readonly rollouts = new FakeRollouts(this);
  pollAfterS = 30;
  heartbeatIntervalS = 30;
  /** Status of the token route; anything but 200 makes it fail. */
  tokenStatus = 200;
  /** When set, downloads answer 302 to this URL (e.g. signed storage on another host). */
  downloadRedirect: ((bundle: FakeBundle) => string) | null = null;
  private sequence = 0;
  private readonly faults: Fault[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public signingKey: GeneratedSigningKey,
  ) {
    this.publishedKeys = [signingKey];
  }

  /** Every key the project ever published (active last); retired keys stay listed. */
  publishedKeys: GeneratedSigningKey[];

  /** Rotates the project key: bundles added from now on are signed with a new key. */
  async rotateSigningKey(): Promise<GeneratedSigningKey> {
    this.signingKey = await generateSigningKey();
    this.publishedKeys = [...this.publishedKeys, this.signingKey];
    return this.signingKey;
  }

  /** Starts the server on an ephemeral port. */
  static async start(): Promise<FakeControlPlane> {
    const key = await generateSigningKey();
    let fake: FakeControlPlane | null = null;
    const server = createServer((req, res) => {
      if (fake === null) {
        res.writeHead(503).end();
        return;
      }
      fake.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: { code: "INTERNAL", message: String(error), request_id: "fake", details: [] },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeControlPlane(server, `http://127.0.0.1:${port}`, key);
    return fake;
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Builds, signs and registers a bundle from config files (default: a variant of BASE_CONFIG). */
  async addBundle(
    files?: Record<string, string>,
    options: { sequence?: number } = {},
  ): Promise<FakeBundle & { built: BuiltBundle }> {
    const built = await buildBundleArchive({
      projectId: PROJECT_ID,
      entry: "zentinel.kdl",
      files: files ?? {
        "zentinel.kdl": `${BASE_CONFIG}// variant ${randomBytes(4).toString("hex")}\n`,
        "routes/api.kdl": 'route "api" {\n  upstream "backend"\n}\n',
      },
      components: [],
      signingKey: this.signingKey,
    });
    this.sequence = Math.max(this.sequence + 1, options.sequence ?? 0);
    const bundle = {
      bundleId: built.bundleId,
      kid: built.kid,
      sequence: options.sequence ?? this.sequence,
      version: `v${this.sequence}`,
      checksum: built.checksum,
      archive: built.archive,
      revoked: false,
      built,
    };
    this.bundles.set(bundle.bundleId, bundle);
    return bundle;
  }

  /** Makes `bundleId` the node's desired bundle (what the next poll offers). */
  assign(
    nodeId: string,
    bundleId: string,
    options: { rollback?: boolean; rolloutId?: string } = {},
  ): void {
    const node = this.node(nodeId);
    node.desired = {
      bundleId,
      rollback: options.rollback ?? false,
      rolloutId: options.rolloutId ?? null,
    };
    node.assigned.add(bundleId);
  }

  /** The node with this id (throws when unknown). */
  node(nodeId: string): FakeNode {
    const node = this.nodes.get(nodeId);
    if (node === undefined) {
      throw new Error(`unknown node ${nodeId}`);
    }
    return node;
  }

  /** The next `times` requests matching `pattern` (tested against `METHOD path`) get `status`. */
  fail(pattern: RegExp, status: number, times = 1, headers: Record<string, string> = {}): void {
    this.faults.push({
      match: (method, path) => pattern.test(`${method} ${path}`),
      status,
      headers,
      times,
    });
  }

  /** Requests matching `pattern` (against `METHOD path`). */
  seen(pattern: RegExp): SeenRequest[] {
    return this.requests.filter((r) => pattern.test(`${r.method} ${r.path}`));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const seen: SeenRequest = { method, path: url.pathname, headers: req.headers, status: 0 };
    this.requests.push(seen);
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const body: Record<string, unknown> =
      text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      seen.status = status;
      if (payload instanceof Uint8Array) {
        res.writeHead(status, { "content-type": "application/zstd", ...headers });
        res.end(payload);
        return;
      }
      res.writeHead(status, {
        "content-type": "application/json",
        "x-request-id": "fake",
        ...headers,
      });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const error = (status: number, code: string, message: string) =>
      reply(status, { error: { code, message, request_id: "fake", details: [] } });

    const fault = this.faults.find((f) => f.times > 0 && f.match(method, url.pathname));
    if (fault !== undefined) {
      fault.times -= 1;
      const code = fault.status === 429 ? "RATE_LIMITED" : "INTERNAL";
      return reply(
        fault.status,
        { error: { code, message: "scripted fault", request_id: "fake", details: [] } },
        fault.headers,
      );
    }
    if (await handleOperatorRoute(this, method, url.pathname, req.headers, body, reply, error)) {
      return;
    }
    if (method === "POST" && url.pathname === `/api/v1/projects/${PROJECT}/nodes/register`) {
      return this.register(req, body, reply, error);
    }
    const match = /^\/api\/v1\/nodes\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (match === null) {
      return error(404, "NOT_FOUND", "no route");
    }
    const [, pathNodeId = "", rest = ""] = match;
    const node = this.authenticate(req);
    if (node === null) {
      return error(401, "UNAUTHORIZED", "bad node credentials");
    }
    if (node.id !== pathNodeId) {
      return error(403, "FORBIDDEN", "node id mismatch");
    }
    return this.nodeRoute(node, method, rest, req, body, reply, error);
  }

  private register(
    req: IncomingMessage,
    body: Record<string, unknown>,
    reply: (status: number, payload?: unknown) => void,
    error: (status: number, code: string, message: string) => void,
  ) {
    if (req.headers["x-zentinel-enrollment-token"] !== ENROLLMENT_TOKEN) {
      return error(401, "UNAUTHORIZED", "bad enrollment token");
    }
    const name = String(body.name ?? "");
    if ([...this.nodes.values()].some((n) => n.name === name)) {
      return error(409, "CONFLICT", "name taken");
    }
    const node: FakeNode = {
      id: randomUUID(),
      name,
      key: randomBytes(32).toString("base64url"),
      labels: (body.labels as Record<string, string> | undefined) ?? {},
      revoked: false,
      active: null,
      desired: null,
      assigned: new Set(),
      reports: [],
      heartbeats: [],
      telemetry: new Map(),
      events: [],
      config: null,
    };
    this.nodes.set(node.id, node);
    reply(201, {
      node_id: node.id,
      node_key: node.key,
      poll_interval_s: this.pollAfterS,
      heartbeat_interval_s: this.heartbeatIntervalS,
      signing_keys: [
        { kid: this.signingKey.kid, alg: "Ed25519", public_key: this.signingKey.publicKey },
      ],
    });
  }

  private authenticate(req: IncomingMessage): FakeNode | null {
    const auth = req.headers.authorization;
    let node: FakeNode | undefined;
    if (typeof auth === "string" && auth.startsWith("Bearer ")) {
      const token = this.tokens.get(auth.slice("Bearer ".length));
      node = token === undefined ? undefined : this.nodes.get(token.nodeId);
    } else {
      const key = req.headers["x-zentinel-node-key"];
      node = [...this.nodes.values()].find((n) => n.key === key);
    }
    return node === undefined || node.revoked ? null : node;
  }

  private nodeRoute(
    node: FakeNode,
    method: string,
    rest: string,
    req: IncomingMessage,
    body: Record<string, unknown>,
    reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    error: (status: number, code: string, message: string) => void,
  ) {
    if (method === "POST" && rest === "token") {
      if (this.tokenStatus !== 200) {
        return error(this.tokenStatus, "INTERNAL", "token issuing disabled");
      }
      const token = randomBytes(24).toString("base64url");
      this.tokens.set(token, { nodeId: node.id });
      return reply(200, {
        token,
        token_type: "Bearer",
        expires_at: new Date(Date.now() + 43_200_000).toISOString(),
        expires_in: 43_200,
      });
    }
    if (method === "GET" && rest === "signing-keys") {
      return reply(200, {
        signing_keys: [...this.publishedKeys]
          .reverse()
          .map((k) => ({ kid: k.kid, alg: "Ed25519", public_key: k.publicKey })),
      });
    }
    if (method === "POST" && rest === "telemetry") {
      const start = String(body.interval_start);
      const counted = !node.telemetry.has(start);
      if (counted) {
        node.telemetry.set(start, body);
      }
      return reply(
        200,
        counted ? { status: "ok", counted } : { status: "ok", counted, reason: "duplicate" },
      );
    }
    if (method === "POST" && rest === "heartbeat") {
      node.heartbeats.push(body);
      if (typeof body.active_bundle_id === "string" || body.active_bundle_id === null) {
        node.active = body.active_bundle_id as string | null;
      }
      this.rollouts.tick();
      return reply(200, {
        status: "ok",
        node_id: node.id,
        last_seen_at: new Date().toISOString(),
        heartbeat_interval_s: this.heartbeatIntervalS,
      });
    }
    if (method === "GET" && rest === "bundles/latest") {
      const desired = node.desired;
      if (desired === null || desired.bundleId === node.active) {
        return reply(200, { no_update: true, poll_after_s: this.pollAfterS });
      }
      if (req.headers["if-none-match"] === `"${desired.bundleId}"`) {
        return reply(304);
      }
      const bundle = this.bundles.get(desired.bundleId);
      if (bundle === undefined) {
        return reply(200, { no_update: true, poll_after_s: this.pollAfterS });
      }
      return reply(200, {
        bundle_id: bundle.bundleId,
        version: bundle.version,
        sequence: bundle.sequence,
        checksum: bundle.checksum,
        size_bytes: bundle.archive.byteLength,
        download_url: `${this.url}/api/v1/nodes/${node.id}/bundles/${bundle.bundleId}/download`,
        signature: "",
        signing_key_id: bundle.kid,
        rollout_id: desired.rolloutId,
        poll_after_s: this.pollAfterS,
        ...(desired.rollback ? { rollback: true } : {}),
      });
    }
    const download = /^bundles\/([0-9a-f]{64})\/download$/.exec(rest);
    if (method === "GET" && download) {
      const bundle = this.bundles.get(download[1] ?? "");
      if (bundle === undefined || !node.assigned.has(bundle.bundleId)) {
        return error(404, "NOT_FOUND", "not assigned");
      }
      if (bundle.revoked) {
        return error(410, "GONE", "revoked");
      }
      if (this.downloadRedirect !== null) {
        return reply(302, undefined, { location: this.downloadRedirect(bundle) });
      }
      return reply(200, bundle.archive, { etag: `"${bundle.checksum}"` });
    }
    const report = /^bundles\/([0-9a-f]{64})\/(staged|activated|verified|failed)$/.exec(rest);
    if (method === "POST" && report) {
      const [, bundleId = "", kind = ""] = report;
      node.reports.push({ bundleId, kind, body });
      if (kind === "activated" || kind === "verified") {
        node.active = bundleId;
      }
      this.rollouts.tick();
      return reply(200, { status: "ok" });
    }
    if (method === "POST" && rest === "events") {
      const events = Array.isArray(body.events)
        ? (body.events as Array<Record<string, unknown>>)
        : [body];
      node.events.push(...events);
      return reply(201, { status: "ok", count: events.length });
    }
    if (method === "POST" && rest === "config") {
      node.config = String(body.config_kdl);
      return reply(200, { status: "ok", config_hash: "fake" });
    }
    return error(404, "NOT_FOUND", "no node route");
  }
}
